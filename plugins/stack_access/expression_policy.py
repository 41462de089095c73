"""What a client's filter may say: plain logic, no QGIS, so it is unit-tested on its own.

Clients send expressions and filters (EXP_FILTER, FILTER, SORTBY, PROPERTYNAME, SLD_BODY,
XML request bodies...). QGIS evaluates them with the full power of its expression engine,
which can read other layers (aggregate, get_feature, layer_property...), turn strings into
code (eval), read the server's environment and files (env, var/@variables, file_exists...)
and reach every column of the layer. The access rules hold only if a client's filter
computes on the feature's own visible values and literals, so:

- functions: only ALLOWED_FUNCTIONS (an allow-list: a function QGIS adds in a new version
  is refused until someone decides it is safe). Variables (@name) are refused outright:
  they name paths, users and layers of the server.
- hidden attributes: a name the role must not see may not appear in any parameter at all,
  whatever the parameter (an identifier match, case-insensitive, on decoded text).
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable

# Computations on the current feature's values and literals. Left out on purpose:
# aggregates and relation functions (read other rows and layers, ignore row filters),
# get_feature*, layer_property, attribute/attributes/represent_* (a column name built at
# run time escapes the hidden-attribute check), eval/eval_template (strings as code),
# env/var/@variables, file and path functions, exif, decode_uri (server paths),
# sqlite_fetch_and_increment (writes), raster_*/overlay_* (other layers), regexp_* and
# the like (catastrophic patterns pin a worker), load_layer, uuid/rand (no use in a filter).
ALLOWED_FUNCTIONS = frozenset(
    {
        # conditionals and conversions
        "coalesce", "if", "nullif", "to_int", "to_real", "to_string", "to_date",
        "to_datetime", "to_time", "to_interval", "to_bool",
        # mathematics
        "abs", "sqrt", "cos", "sin", "tan", "acos", "asin", "atan", "atan2", "exp", "ln",
        "log", "log10", "round", "floor", "ceil", "pi", "min", "max", "clamp",
        "scale_linear", "degrees", "radians",
        # strings
        "lower", "upper", "title", "trim", "length", "replace", "substr", "concat",
        "strpos", "left", "right", "lpad", "rpad", "format", "format_number",
        "format_date", "char", "ascii", "wordwrap",
        # dates
        "now", "age", "year", "month", "week", "day", "hour", "minute", "second",
        "day_of_week", "epoch", "datetime_from_epoch", "make_date", "make_datetime",
        "make_time", "make_interval",
        # the feature's own geometry and id, and spatial predicates against literals
        "$geometry", "$id", "$area", "$length", "$perimeter", "$x", "$y", "area",
        "perimeter", "x", "y", "x_min", "x_max", "y_min", "y_max", "bounds", "buffer",
        "centroid", "intersects", "intersects_bbox", "contains", "within", "disjoint",
        "touches", "crosses", "overlaps", "distance", "geom_from_wkt", "geom_from_gml",
        "geom_to_wkt", "make_point", "num_points", "transform", "is_empty_or_null",
        "is_empty",
    }
)  # fmt: skip

# A call: a name, optional space, "("; and QGIS's $-functions, which take no parentheses.
_CALL = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(|(\$[A-Za-z_][A-Za-z0-9_]*)")
# Operators that may precede "(" without being calls.
_KEYWORDS = frozenset(
    {"and", "or", "not", "in", "like", "ilike", "is", "between", "case", "when", "then", "else"}
)
# String literals, read the QGIS way (backslash escapes) and the SQL way (none): a call is
# looked for outside the literals of either reading, so no quoting trick hides one.
_QGIS_STRINGS = re.compile(r"'(?:''|\\.|[^'\\])*'", re.S)
_SQL_STRINGS = re.compile(r"'(?:''|[^'])*'", re.S)
_VARIABLE = re.compile(r"@[A-Za-z_]")
_COMMENTS = re.compile(r"/\*.*?\*/|--[^\n]*", re.S)
_XML_START = re.compile(r"^\s*\(?\s*<")
_DTD = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.I)


class Refusal(ValueError):  # noqa: N818 (a verdict, not an error of ours)
    """The request says something the role may not; the message says what, for the client."""


def called_functions(text: str) -> set[str]:
    """Every name called like a function in an expression or SQL text, lower case. Lexical,
    and over-eager where the two readings of string literals differ."""
    code = _COMMENTS.sub(" ", text)
    names: set[str] = set()
    for strings in (_QGIS_STRINGS, _SQL_STRINGS):
        for call, dollar in _CALL.findall(strings.sub("''", code)):
            names.add((call or dollar).lower())
    return names - _KEYWORDS


def check_functions(names: Iterable[str], where: str) -> None:
    refused = sorted({name.lower() for name in names} - ALLOWED_FUNCTIONS)
    if refused:
        raise Refusal(
            f"{where}: function(s) {', '.join(refused)} may not be used in a request's filter "
            "(allowed: comparisons, arithmetic, and functions of the feature's own values)"
        )


def check_expression_text(text: str, where: str) -> None:
    """The lexical part of the check of an expression (QGIS's parser adds its own view)."""
    code = _COMMENTS.sub(" ", text)
    if _VARIABLE.search(_QGIS_STRINGS.sub("''", code)) or _VARIABLE.search(_SQL_STRINGS.sub("''", code)):
        raise Refusal(f"{where}: variables (@name) may not be used in a request's filter")
    check_functions(called_functions(text), where)


def mentions(text: str, name: str) -> bool:
    """Whether an identifier `name` appears in text (case-insensitive, not inside a longer name)."""
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", text, re.I) is not None


def check_hidden_names(text: str, hidden: Iterable[str], where: str) -> None:
    for name in hidden:
        if mentions(text, name):
            raise Refusal(f"{where}: names an attribute that is not available")


def looks_like_xml(text: str) -> bool:
    return _XML_START.match(text) is not None


def xml_documents(text: str) -> list[str]:
    """The XML documents of a value: one, or several in parentheses (WMS FILTER)."""
    stripped = text.strip()
    if stripped.startswith("("):
        return re.findall(r"\((\s*<.*?>\s*)\)(?=\(|$)", stripped, re.S) or [stripped]
    return [stripped]


def check_xml(text: str, hidden: Iterable[str], where: str) -> None:
    """Function names and hidden attributes in an XML filter, SLD or request body, read on
    the parsed document (character references decoded). A DTD is refused: entities could
    spell what the check looks for."""
    if _DTD.search(text):
        raise Refusal(f"{where}: XML with a DOCTYPE or ENTITY declaration is not accepted")
    hidden = list(hidden)
    for document in xml_documents(text):
        try:
            root = ElementTree.fromstring(document)
        except ElementTree.ParseError:
            # QGIS's own parser may read what this one does not (it ignores namespaces):
            # check the text as such, references decoded, and let QGIS judge the rest.
            check_xml_text(document, hidden, where)
            continue
        for element in root.iter():
            local = element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""
            if local == "Function":
                check_functions([element.get("name", "")], where)
            for piece in (element.text or "", element.tail or "", *element.attrib.values()):
                check_hidden_names(piece, hidden, where)


_FUNCTION_NAME = re.compile(r"<[A-Za-z0-9_.:-]*Function\b[^>]*?\bname\s*=\s*[\"']([^\"']*)", re.I)


def check_xml_text(text: str, hidden: Iterable[str], where: str) -> None:
    """The same checks on XML this module cannot parse, read as text."""
    decoded = html.unescape(text)
    check_functions(_FUNCTION_NAME.findall(decoded), where)
    check_hidden_names(decoded, hidden, where)
