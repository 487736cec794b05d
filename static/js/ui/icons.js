// Inline SVG icons (no icon font: every glyph draws on any machine).

const PATHS = {
  play: "M7 4.5v15l12.5-7.5z",
  pause: "M6 4.5h4.2v15H6zm7.8 0H18v15h-4.2z",
  back: "M5.5 5h2.2v14H5.5zM19 5v14L8.8 12z",
  forward: "M16.3 5h2.2v14h-2.2zM5 5v14l10.2-7z",
  reset: "M12 4.5V1.8L7.2 5.6 12 9.4V6.7a5.3 5.3 0 1 1-5.3 5.3H4.5A7.5 7.5 0 1 0 12 4.5z",
  fullscreen: "M4 9.5V4h5.5v2.2H6.2v3.3zm10.5-5.5H20v5.5h-2.2V6.2h-3.3zM4 14.5h2.2v3.3h3.3V20H4zm13.8 0H20V20h-5.5v-2.2h3.3z",
  duplicate: "M9 9h10.5v10.5H9zm2 2v6.5h6.5V11zM4.5 4.5H15v2.5H7v8H4.5z",
  remove: "M6.3 4.9 12 10.6l5.7-5.7 1.4 1.4-5.7 5.7 5.7 5.7-1.4 1.4-5.7-5.7-5.7 5.7-1.4-1.4 5.7-5.7-5.7-5.7z",
  dice: "M5 3.5h14A1.5 1.5 0 0 1 20.5 5v14a1.5 1.5 0 0 1-1.5 1.5H5A1.5 1.5 0 0 1 3.5 19V5A1.5 1.5 0 0 1 5 3.5zm3 3a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm8 8a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm-4-4a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3z",
  stop: "M6 6h12v12H6z",
  class: "M9 11a3.5 3.5 0 1 0 0-7 3.5 3.5 0 0 0 0 7zm7.5 0a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM2 19.5c0-3.3 3.1-6 7-6s7 2.7 7 6V21H2zm15.2-5.9c2.7.4 4.8 2.5 4.8 5V21h-4.5v-1.5c0-2.3-1-4.4-2.6-5.8.7-.1 1.5-.1 2.3-.1z",
};

/** An <svg> icon element (decorative: aria-hidden). */
export function icon(name, size = 18) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", String(size));
  svg.setAttribute("height", String(size));
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.classList.add("ic");
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", PATHS[name] ?? "");
  path.setAttribute("fill", "currentColor");
  svg.append(path);
  return svg;
}

/** Replace the contents of every [data-icon] element with its icon. */
export function fillIcons(root = document) {
  for (const el of root.querySelectorAll("[data-icon]")) {
    el.replaceChildren(icon(el.dataset.icon, Number(el.dataset.size ?? 18)));
  }
}
