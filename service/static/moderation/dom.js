// Building the page: elements get text, never markup, except through insertSanitized().

/** An element with attributes (`on*` functions become listeners) and text/element children. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2), value);
    } else if (name === "dataset") {
      Object.assign(element.dataset, value);
    } else {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

// The one way HTML enters the page: a comment's `html` field, which the server sanitized
// (bleach, on write). The CSP's `require-trusted-types-for 'script'` makes every other
// innerHTML assignment throw, so this function is the only sink there is.
const policy = window.trustedTypes
  ? window.trustedTypes.createPolicy("causerie-sanitized", { createHTML: (html) => html })
  : { createHTML: (html) => html };

/** Put a comment's server-sanitized `html` into `element`. */
export function insertSanitized(element, html) {
  element.innerHTML = policy.createHTML(html);
}

/** Remove every child of `element`. */
export function clear(element) {
  element.replaceChildren();
}

const SVG = "http://www.w3.org/2000/svg";

/** An SVG element with attributes and children (charts). */
export function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null) element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}
