// How numbers of the API read on a page: sizes in binary units, durations in h/min/s, tensor shapes.
// Pure functions, tested in test/format.test.mjs.

export function formatBytes(bytes) {
  if (!Number.isFinite(bytes) || bytes < 0) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function formatSeconds(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  const whole = Math.round(seconds);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  if (h > 0) return `${h} h ${String(m).padStart(2, '0')} min`;
  if (m > 0) return `${m} min ${String(s).padStart(2, '0')} s`;
  return `${s} s`;
}

// A percentage for the progress bar: whole numbers, 100 only when the fraction is 1.
export function percent(fraction) {
  if (!Number.isFinite(fraction)) return 0;
  const clamped = Math.min(1, Math.max(0, fraction));
  return clamped < 1 ? Math.min(99, Math.floor(clamped * 100)) : 100;
}

// A tensor's sizes as the model card shows them. The API passes what `deepimage info --json` says, which is
// either per-axis details [{id, size, halo}], a list of numbers, or a {min, step} rule per axis.
export function describeShape(tensor) {
  if (Array.isArray(tensor.axis_details) && tensor.axis_details.length) {
    return tensor.axis_details.map((a) => `${a.id}=${a.size}${a.halo ? ` (halo ${a.halo})` : ''}`).join(', ');
  }
  const shape = tensor.shape;
  const axes = typeof tensor.axes === 'string' ? tensor.axes.split('') : Array.isArray(tensor.axes) ? tensor.axes : [];
  const name = (i) => (axes[i] === undefined ? `#${i}` : typeof axes[i] === 'string' ? axes[i] : axes[i].id || axes[i].type || `#${i}`);
  if (Array.isArray(shape)) {
    return shape.map((size, i) => `${name(i)}=${typeof size === 'object' ? JSON.stringify(size) : size}`).join(', ');
  }
  if (shape && Array.isArray(shape.min) && Array.isArray(shape.step)) {
    return shape.min.map((min, i) => `${name(i)}=${shape.step[i] ? `${min}+${shape.step[i]}n` : min}`).join(', ');
  }
  if (typeof shape === 'string') return shape;
  return shape ? JSON.stringify(shape) : '';
}

export function axesText(axes) {
  if (typeof axes === 'string') return axes;
  if (Array.isArray(axes)) return axes.map((a) => (typeof a === 'string' ? a : a.id || a.type)).join('');
  return '';
}
