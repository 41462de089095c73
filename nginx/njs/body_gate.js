// Checks request bodies before QGIS parses them. QGIS tries every POST body as XML before
// any plugin runs (QgsRequestHandler::parseInput), and its parser crashes the worker on
// deep nesting (stack overflow near 50,000 levels, seconds of CPU well before) and expands
// entities declared in a DOCTYPE. So bodies are refused here, in nginx, when they
//   - hold a NUL byte (UTF-16/32 text, which QGIS's WFS would decode and this scan cannot read),
//   - declare an encoding other than UTF-8, US-ASCII or ISO-8859-1,
//   - carry a markup declaration (<!DOCTYPE, <!ENTITY, ...),
//   - nest elements deeper than STACK_XML_MAX_DEPTH, or
//   - contain XML and are larger than NGINX_XML_MAX_BODY_SIZE.
// Everything else goes on to QGIS through the named location @qgis.

var LT = 0x3c, GT = 0x3e, SLASH = 0x2f, BANG = 0x21, QUESTION = 0x3f;
var ALLOWED_ENCODINGS = ['utf-8', 'utf8', 'us-ascii', 'ascii', 'iso-8859-1', 'latin1'];

function report(status, message) {
    var escaped = message.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    return '<?xml version="1.0" encoding="UTF-8"?>\n' +
        '<ServiceExceptionReport version="1.3.0" xmlns="http://www.opengis.net/ogc">\n' +
        ' <ServiceException code="InvalidParameterValue" locator="request body">' +
        escaped + '</ServiceException>\n</ServiceExceptionReport>\n';
}

function startsWithAt(body, position, text) {
    return body.slice(position, position + text.length).toString() === text;
}

// The first problem of an XML body, or null.
function xmlProblem(body, maxDepth) {
    var head = body.slice(0, 200).toString().toLowerCase();
    var declared = /^\s*(\ufeff)?\s*<\?xml[^>]*encoding\s*=\s*["']([^"']*)["']/.exec(head);
    if (declared && ALLOWED_ENCODINGS.indexOf(declared[2]) < 0) {
        return 'XML bodies must be UTF-8 (declared encoding "' + declared[2] + '")';
    }
    var depth = 0;
    var position = 0;
    var start;
    while ((start = body.indexOf(LT, position)) >= 0) {
        var following = body[start + 1];
        if (following === BANG) {
            if (startsWithAt(body, start, '<!--')) {
                var commentEnd = body.indexOf('-->', start + 4);
                position = commentEnd < 0 ? body.length : commentEnd + 3;
                continue;
            }
            if (startsWithAt(body, start, '<![CDATA[')) {
                var cdataEnd = body.indexOf(']]>', start + 9);
                position = cdataEnd < 0 ? body.length : cdataEnd + 3;
                continue;
            }
            return 'XML bodies may not carry a DOCTYPE or other markup declarations';
        }
        var end = body.indexOf(GT, start);
        if (end < 0) {
            return null;
        }
        if (following === SLASH) {
            depth -= 1;
        } else if (following !== QUESTION && body[end - 1] !== SLASH) {
            depth += 1;
            if (depth > maxDepth) {
                return 'XML elements nest deeper than ' + maxDepth + ' levels';
            }
        }
        position = end + 1;
    }
    return null;
}

function refuse(r, status, message) {
    r.warn('body_gate: refused ' + r.method + ' ' + r.uri + ': ' + message);
    r.headersOut['Content-Type'] = 'text/xml; charset=utf-8';
    r.return(status, report(status, message));
}

function check(r) {
    var length = Number(r.headersIn['Content-Length'] || 0);
    var body = r.requestBuffer;
    if (body === undefined || body === null) {
        if (length > 0 || r.headersIn['Transfer-Encoding']) {
            // Written to a file: larger than client_body_buffer_size, which is the largest
            // body nginx accepts at all, so this does not happen; refuse rather than pass unchecked.
            refuse(r, 413, 'the request body could not be checked');
            return;
        }
        r.internalRedirect('@qgis');
        return;
    }
    if (body.length === 0) {
        // An empty body (Content-Length: 00, an empty chunked body): nothing to check. The
        // njs of nginx 1.30 hands it over as a detached buffer, which indexOf() throws on.
        r.internalRedirect('@qgis');
        return;
    }
    if (body.indexOf(0) >= 0) {
        refuse(r, 400, 'request bodies may not contain NUL bytes (send XML as UTF-8)');
        return;
    }
    if (body.indexOf(LT) >= 0) {
        var maxBytes = Number(r.variables.stack_xml_max_body_bytes);
        if (body.length > maxBytes) {
            refuse(r, 413, 'XML bodies may be at most ' + maxBytes + ' bytes');
            return;
        }
        var problem = xmlProblem(body, Number(r.variables.stack_xml_max_depth));
        if (problem) {
            refuse(r, 400, problem);
            return;
        }
    }
    r.internalRedirect('@qgis');
}

export default { check, xmlProblem };
