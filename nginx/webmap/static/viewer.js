// The map viewer of one project: its layers over WMS, a layer switcher with legends, and
// GetFeatureInfo on click. Only the layers in the role's capabilities are drawn.
"use strict";

const FEATURE_COUNT = 10;

function wmsLayer(project, layer) {
  return new ol.layer.Image({
    properties: { name: layer.name },
    source: new ol.source.ImageWMS({
      url: `/ows/${encodeURIComponent(project)}`,
      params: { LAYERS: layer.name, STYLES: "", FORMAT: "image/png", TRANSPARENT: "true", VERSION: "1.3.0" },
      ratio: 1,
    }),
  });
}

function legendUrl(project, layer) {
  return owsUrl(project, {
    SERVICE: "WMS", VERSION: "1.3.0", REQUEST: "GetLegendGraphic", SLD_VERSION: "1.1.0",
    LAYER: layer.name, FORMAT: "image/png", LAYERTITLE: "false",
  });
}

function switcherEntry(project, layer, mapLayer) {
  const item = document.createElement("li");
  const label = document.createElement("label");
  const box = document.createElement("input");
  box.type = "checkbox";
  box.checked = true;
  box.dataset.layer = layer.name;
  box.addEventListener("change", () => mapLayer.setVisible(box.checked));
  label.append(box, ` ${layer.title}`);
  const legend = document.createElement("img");
  legend.alt = `legend of ${layer.title}`;
  legend.src = legendUrl(project, layer);
  item.append(label, legend);
  return item;
}

function featureTable(feature) {
  const properties = { ...feature.properties };
  const layerTitle = properties["stack:layer_title"] || String(feature.id || "").split(".")[0];
  delete properties["stack:layer_title"];
  const table = document.createElement("table");
  const caption = document.createElement("caption");
  caption.textContent = layerTitle;
  table.append(caption);
  for (const [key, value] of Object.entries(properties)) {
    const row = table.insertRow();
    const name = document.createElement("th");
    name.textContent = key;
    row.append(name);
    row.insertCell().textContent = value === null ? "" : String(value);
  }
  return table;
}

async function showFeatureInfo(map, project, visibleQueryable, event) {
  const info = document.getElementById("info");
  if (visibleQueryable.length === 0) return;
  const source = map.getLayers().item(0).getSource();
  const url = source.getFeatureInfoUrl(event.coordinate, map.getView().getResolution(), "EPSG:4326", {
    LAYERS: visibleQueryable.join(","), QUERY_LAYERS: visibleQueryable.join(","),
    INFO_FORMAT: "application/json", FEATURE_COUNT,
  });
  const response = await fetch(url, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`GetFeatureInfo: HTTP ${response.status}`);
  const result = await response.json();
  info.replaceChildren();
  if (!result.features || result.features.length === 0) {
    const none = document.createElement("p");
    none.className = "hint";
    none.textContent = "Nothing here.";
    info.append(none);
  }
  for (const feature of result.features || []) info.append(featureTable(feature));
  info.dataset.clicks = String(Number(info.dataset.clicks || 0) + 1);
}

async function main() {
  const project = new URLSearchParams(location.search).get("project") || "demo";
  const caps = await projectCapabilities(project);
  document.title = `${caps.title} · qgis-stack`;
  document.getElementById("title").textContent = caps.title;
  const bottomFirst = [...caps.layers].reverse();
  const mapLayers = bottomFirst.map((layer) => wmsLayer(project, layer));
  const map = new ol.Map({
    target: "map",
    layers: mapLayers,
    view: new ol.View({ projection: "EPSG:4326" }),
  });
  map.getView().fit(caps.bbox, { size: map.getSize() });
  const switcher = document.getElementById("layers");
  caps.layers.forEach((layer) => {
    switcher.append(switcherEntry(project, layer, mapLayers[bottomFirst.indexOf(layer)]));
  });
  map.on("singleclick", (event) => {
    const visibleQueryable = caps.layers
      .filter((layer) => layer.queryable && mapLayers[bottomFirst.indexOf(layer)].getVisible())
      .map((layer) => layer.name);
    showFeatureInfo(map, project, visibleQueryable, event).catch((error) => showError(error.message));
  });
  // For scripts and tests: the map, and when it finished drawing.
  window.stackMap = map;
  map.on("rendercomplete", () => { document.body.dataset.rendered = String(Number(document.body.dataset.rendered || 0) + 1); });
}

main().catch((error) => showError(error.message));
