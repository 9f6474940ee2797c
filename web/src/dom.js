// A tiny element builder, so pages read as the HTML they make without a UI framework:
//   h('a', {href: '/run'}, 'Run')  ->  <a href="/run">Run</a>
// Attributes starting with "on" become event listeners; children may be strings, nodes, arrays or null.

export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (name === 'className') element.className = value;
    else if (name === 'value') element.value = value;
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

// Replaces everything inside an element.
export function fill(element, ...children) {
  element.replaceChildren();
  return append(element, children);
}

// The place a page says what went wrong: the API's {"error"} line, read out by screen readers.
export function errorBox() {
  const box = h('p', {role: 'alert', className: 'error', hidden: true});
  box.show = (message) => {
    box.textContent = message;
    box.hidden = !message;
  };
  return box;
}
