// What a role may see of a project, read from the project's WMS 1.3.0 capabilities.
// The capabilities come through nginx with the browser's own credentials, so the access
// rules (access/rules.yaml) decide which layers appear here: nothing is listed twice.
"use strict";

const WMS_NS = "http://www.opengis.net/wms";

function owsUrl(project, params) {
  const query = new URLSearchParams(params);
  return `/ows/${encodeURIComponent(project)}?${query}`;
}

function child(element, name) {
  for (const node of element.children) {
    if (node.localName === name) return node;
  }
  return null;
}

function childText(element, name) {
  const node = child(element, name);
  return node ? node.textContent.trim() : "";
}

function geographicBox(layer) {
  const box = child(layer, "EX_GeographicBoundingBox");
  if (!box) return null;
  const edge = (name) => Number(childText(box, name));
  return [edge("westBoundLongitude"), edge("southBoundLatitude"), edge("eastBoundLongitude"), edge("northBoundLatitude")];
}

// Named layers, top of the map first (the capabilities' order), with their group's title.
function namedLayers(layer, found) {
  for (const node of layer.children) {
    if (node.localName !== "Layer") continue;
    const name = childText(node, "Name");
    const nested = Array.from(node.children).some((c) => c.localName === "Layer");
    if (nested) {
      namedLayers(node, found);
    } else if (name) {
      found.push({
        name,
        title: childText(node, "Title") || name,
        queryable: node.getAttribute("queryable") === "1",
        bbox: geographicBox(node),
      });
    }
  }
  return found;
}

async function projectCapabilities(project) {
  const url = owsUrl(project, { SERVICE: "WMS", VERSION: "1.3.0", REQUEST: "GetCapabilities" });
  const response = await fetch(url, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const doc = new DOMParser().parseFromString(await response.text(), "application/xml");
  const root = doc.getElementsByTagNameNS(WMS_NS, "Capability")[0];
  const top = root ? child(root, "Layer") : null;
  if (!top) throw new Error(`${url}: no WMS capabilities`);
  const service = doc.getElementsByTagNameNS(WMS_NS, "Service")[0];
  return {
    project,
    title: childText(top, "Title") || (service && childText(service, "Title")) || project,
    bbox: geographicBox(top) || [-180, -90, 180, 90],
    layers: namedLayers(top, []),
  };
}

function showError(message) {
  document.getElementById("status").textContent = message;
}
