// Where the image sits on the canvases: one scale and offset shared by every canvas of the viewer, so the
// input and the output zoom and pan together. Image coordinates are the input's pixels; a canvas pixel
// (cx, cy) shows image point ((cx - x) / scale, (cy - y) / scale).

export class ViewTransform {
  constructor() {
    this.scale = 1;
    this.x = 0;
    this.y = 0;
    this.listeners = new Set();
  }

  onChange(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  changed() {
    for (const listener of this.listeners) listener(this);
  }

  // The whole image, centred, in a canvas of the given size.
  fit(imageWidth, imageHeight, canvasWidth, canvasHeight) {
    this.scale = Math.min(canvasWidth / imageWidth, canvasHeight / imageHeight);
    this.x = (canvasWidth - imageWidth * this.scale) / 2;
    this.y = (canvasHeight - imageHeight * this.scale) / 2;
    this.changed();
  }

  // Zoom by `factor` keeping the image point under canvas point (cx, cy) where it is.
  zoomAt(cx, cy, factor) {
    const scale = Math.min(64, Math.max(1 / 64, this.scale * factor));
    const applied = scale / this.scale;
    this.x = cx - (cx - this.x) * applied;
    this.y = cy - (cy - this.y) * applied;
    this.scale = scale;
    this.changed();
  }

  panBy(dx, dy) {
    this.x += dx;
    this.y += dy;
    this.changed();
  }

  toImage(cx, cy) {
    return [(cx - this.x) / this.scale, (cy - this.y) / this.scale];
  }
}
