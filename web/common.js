// Shared by Depot's pages: REST calls with the contract's error bodies, and small DOM helpers.

/** A refused or failed call: `status` 0 means the hub could not be reached. */
export class ApiError extends Error {
    constructor(status, code, message) {
        super(message);
        this.status = status;
        this.code = code;
    }
}

/** Calls the hub's REST API on this page's origin; resolves with the JSON body. */
export async function api(method, path, { token, body, timeoutMs = 15000 } = {}) {
    const headers = {};
    if (token)
        headers.Authorization = `Bearer ${token}`;
    if (body !== undefined)
        headers['Content-Type'] = 'application/json';
    let res;
    try {
        res = await fetch(path, {
            method,
            headers,
            body: body === undefined ? undefined : JSON.stringify(body),
            signal: AbortSignal.timeout(timeoutMs),
            cache: 'no-store',
        });
    } catch {
        throw new ApiError(0, 'unreachable', 'Could not reach the depot. Check the Wi-Fi connection and try again.');
    }
    const text = await res.text();
    let json = null;
    try {
        json = text ? JSON.parse(text) : null;
    } catch {
        json = null;
    }
    if (!res.ok) {
        const error = json?.error;
        throw new ApiError(res.status, error?.code ?? 'http_error',
                           error?.message ?? `The depot answered ${res.status}.`);
    }
    return json;
}

/** Creates an element: `el('li', { class: 'card', dataset: { id } }, 'text', child)`. */
export function el(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes)) {
        if (value === undefined || value === null || value === false)
            continue;
        if (key === 'dataset')
            Object.assign(node.dataset, value);
        else if (key.startsWith('on'))
            node.addEventListener(key.slice(2), value);
        else
            node.setAttribute(key, value === true ? '' : value);
    }
    node.append(...children.filter((c) => c !== undefined && c !== null && c !== false));
    return node;
}

/** Shows `text` in `node` (hidden when empty). */
export function showMessage(node, text) {
    node.textContent = text ?? '';
    node.hidden = !text;
}

export const STATUS_LABELS = {
    PENDING: 'Registered at the depot',
    ASSIGNED: 'Assigned to a courier',
    IN_PROGRESS: 'On its way',
    COMPLETED: 'Delivered',
    FAILED: 'Delivery failed',
    CANCELLED: 'Cancelled',
};

export const FINAL_STATUSES = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);

/** "14:05" today, "3 Mar, 14:05" on another day, in the browser's locale. */
export function formatTime(iso) {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime()))
        return '';
    const time = date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    if (date.toDateString() === new Date().toDateString())
        return time;
    return `${date.toLocaleDateString([], { day: 'numeric', month: 'short' })}, ${time}`;
}

/** A number from `<meta name=... content=...>` filled in by the hub, or `fallback`. */
export function metaNumber(name, fallback) {
    const value = Number(document.querySelector(`meta[name="${name}"]`)?.content);
    return Number.isFinite(value) && value > 0 ? value : fallback;
}

/** Great-circle distance in metres. */
export function distanceMetres(a, b) {
    const R = 6371008.8;
    const rad = Math.PI / 180;
    const dLat = (b.latitude - a.latitude) * rad;
    const dLon = (b.longitude - a.longitude) * rad;
    const h = Math.sin(dLat / 2) ** 2
        + Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.sin(dLon / 2) ** 2;
    return 2 * R * Math.asin(Math.min(1, Math.sqrt(h)));
}
