// A canvas that draws layers of planes through the shared ViewTransform: the wheel zooms at the cursor,
// dragging pans, and the value under the cursor is reported. Each layer is an RGBA bitmap stretched over
// the input's extent (an output of another size still lines up with the input), drawn with its opacity.

import {toRgba} from './plane.js';

export class PlaneCanvas {
  constructor(canvas, transform, onPointer) {
    this.canvas = canvas;
    this.transform = transform;
    this.layers = [];
    this.extent = null;
    this.onPointer = onPointer;
    this.unlisten = transform.onChange(() => this.draw());
    this.listen();
  }

  // layers: [{plane, window, tint, opacity}]; extent: {width, height} in image coordinates.
  setLayers(layers, extent) {
    this.extent = extent;
    this.layers = layers.map((layer) => {
      const bitmap = document.createElement('canvas');
      bitmap.width = layer.plane.width;
      bitmap.height = layer.plane.height;
      const rgba = toRgba(layer.plane, layer.window, layer.tint);
      bitmap.getContext('2d').putImageData(new ImageData(rgba, layer.plane.width, layer.plane.height), 0, 0);
      return {...layer, bitmap};
    });
    this.draw();
  }

  setOpacity(index, opacity) {
    if (this.layers[index]) this.layers[index].opacity = opacity;
    this.draw();
  }

  draw() {
    const context = this.canvas.getContext('2d');
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.fillStyle = '#111';
    context.fillRect(0, 0, this.canvas.width, this.canvas.height);
    if (!this.extent) return;
    const {scale, x, y} = this.transform;
    context.imageSmoothingEnabled = scale < 1;
    for (const layer of this.layers) {
      context.globalAlpha = layer.opacity ?? 1;
      context.drawImage(layer.bitmap, x, y, this.extent.width * scale, this.extent.height * scale);
    }
    context.globalAlpha = 1;
  }

  listen() {
    const canvas = this.canvas;
    const local = (event) => {
      const box = canvas.getBoundingClientRect();
      return [((event.clientX - box.left) * canvas.width) / box.width, ((event.clientY - box.top) * canvas.height) / box.height];
    };
    canvas.addEventListener('wheel', (event) => {
      event.preventDefault();
      const [cx, cy] = local(event);
      this.transform.zoomAt(cx, cy, Math.exp(-event.deltaY * 0.002));
    }, {passive: false});
    let drag = null;
    canvas.addEventListener('pointerdown', (event) => {
      drag = local(event);
      canvas.setPointerCapture(event.pointerId);
    });
    canvas.addEventListener('pointermove', (event) => {
      const [cx, cy] = local(event);
      if (drag) {
        this.transform.panBy(cx - drag[0], cy - drag[1]);
        drag = [cx, cy];
      }
      this.report(cx, cy);
    });
    const stop = () => {
      drag = null;
    };
    canvas.addEventListener('pointerup', stop);
    canvas.addEventListener('pointercancel', stop);
  }

  // The value of each layer's plane at the image point under the cursor, for the read-out line.
  report(cx, cy) {
    if (!this.onPointer || !this.extent) return;
    const [ix, iy] = this.transform.toImage(cx, cy);
    const values = this.layers.map((layer) => {
      const px = Math.floor((ix * layer.plane.width) / this.extent.width);
      const py = Math.floor((iy * layer.plane.height) / this.extent.height);
      if (px < 0 || py < 0 || px >= layer.plane.width || py >= layer.plane.height) return null;
      return layer.plane.values[py * layer.plane.width + px];
    });
    this.onPointer({x: Math.floor(ix), y: Math.floor(iy), values});
  }

  dispose() {
    this.unlisten();
  }
}
