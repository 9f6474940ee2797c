// Calls to the JSON API of `deepimage serve` (docs/server.md). A failed call throws ApiError whose message
// is the server's own {"error": "..."} line, so pages show it as written, once.

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export async function api(path, options = {}) {
  let response;
  try {
    response = await fetch(path, options);
  } catch (cause) {
    throw new ApiError(0, `the server did not answer ${path} (${cause.message}); is deepimage serve still running?`);
  }
  const text = await response.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!response.ok) {
    const message = body && typeof body.error === 'string' ? body.error : `${path} answered ${response.status} ${response.statusText}`;
    throw new ApiError(response.status, message);
  }
  return body;
}

export const postJson = (path, value) =>
  api(path, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(value)});

export const postForm = (path, form) => api(path, {method: 'POST', body: form});

// Model and run ids come from the server; they are still encoded so a strange one cannot change the route.
export const modelPath = (id) => `/api/models/${encodeURIComponent(id)}`;
export const runPath = (id) => `/api/runs/${encodeURIComponent(id)}`;
