// The landing page: every served project with a preview and its OGC endpoints.
"use strict";

const PREVIEW = { width: 320, height: 160 };

function previewUrl(caps) {
  const [west, south, east, north] = caps.bbox;
  return owsUrl(caps.project, {
    SERVICE: "WMS", VERSION: "1.3.0", REQUEST: "GetMap",
    LAYERS: caps.layers.map((l) => l.name).reverse().join(","), STYLES: "",
    CRS: "EPSG:4326", BBOX: [south, west, north, east].join(","),
    WIDTH: PREVIEW.width, HEIGHT: PREVIEW.height, FORMAT: "image/png",
  });
}

function endpoints(project) {
  const base = `/ows/${encodeURIComponent(project)}`;
  return [
    ["Map viewer", `/map?project=${encodeURIComponent(project)}`],
    ["WMS", `${base}?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetCapabilities`],
    ["WMTS", `${base}?SERVICE=WMTS&REQUEST=GetCapabilities`],
    ["WFS", `${base}?SERVICE=WFS&VERSION=1.1.0&REQUEST=GetCapabilities`],
    ["WCS", `${base}?SERVICE=WCS&REQUEST=GetCapabilities`],
    ["OGC API Features", `${base}/wfs3/collections`],
  ];
}

function card(caps) {
  const section = document.createElement("section");
  section.className = "project";
  section.dataset.project = caps.project;
  const heading = document.createElement("h2");
  heading.textContent = caps.title;
  const name = document.createElement("p");
  name.className = "name";
  name.textContent = `/ows/${caps.project}`;
  const preview = document.createElement("img");
  preview.alt = `preview of ${caps.title}`;
  preview.src = previewUrl(caps);
  const links = document.createElement("ul");
  for (const [label, href] of endpoints(caps.project)) {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = href;
    link.textContent = label;
    item.append(link);
    links.append(item);
  }
  const layers = document.createElement("p");
  layers.className = "layers";
  layers.textContent = `${caps.layers.length} layers: ${caps.layers.map((l) => l.title).join(", ")}`;
  section.append(heading, name, preview, links, layers);
  return section;
}

async function main() {
  const container = document.getElementById("projects");
  const response = await fetch("/projects.json", { credentials: "same-origin" });
  const report = await response.json();
  const served = report.projects || [];
  const names = (Array.isArray(served) ? served : Object.keys(served)).sort();
  for (const name of names) {
    try {
      container.append(card(await projectCapabilities(name)));
    } catch (error) {
      showError(`${name}: ${error.message}`);
    }
  }
  if (names.length === 0) showError("no projects are served");
  container.setAttribute("aria-busy", "false");
}

main().catch((error) => showError(error.message));
