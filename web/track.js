// The public tracking page: one package's status history, live, and its courier on a map while
// it is on its way. It holds that package's tracking token and shows nothing else.
import { api, ApiError, el, FINAL_STATUSES, formatTime, metaNumber, showMessage, STATUS_LABELS }
    from './common.js';

const RETRY_LOOKUP_MS = 5000;
const ON_ITS_WAY = new Set(['ASSIGNED', 'IN_PROGRESS']);

const $ = (id) => document.getElementById(id);

const code = decodeURIComponent(location.pathname.slice('/track/'.length));
let parcel = null; // the summary from /api/track
let token = null;
let status = null;
const timeline = []; // { status, timestamp, reason }
let map = null;
let courierMarker = null;

async function lookUp() {
    $('tracking-code').textContent = code;
    try {
        const found = await api('GET', `/api/track/${encodeURIComponent(code)}`);
        parcel = found.package;
        token = found.token;
    } catch (err) {
        $('loading').hidden = true;
        if (err.status === 404) {
            $('not-found').hidden = false;
            document.title = 'Parcel not found';
        } else {
            showMessage($('error'), `${err.message} Trying again…`);
            setTimeout(lookUp, RETRY_LOOKUP_MS);
        }
        return;
    }
    showMessage($('error'), '');
    $('loading').hidden = true;
    $('details').hidden = false;
    $('tracking-code').textContent = parcel.trackingCode;
    $('recipient').textContent = `For ${parcel.recipientName}`;
    setStatus(parcel.status);
    if (parcel.status === 'COMPLETED')
        loadProof();
    showMap();
    await loadHistory();
    connect();
}

async function loadHistory() {
    try {
        const events = await api('GET', `/api/packages/${parcel.id}/events`, { token });
        timeline.length = 0;
        for (const e of events) {
            if (e.event === 'package:update' && e.packageId === parcel.id)
                addStatus(e);
        }
        renderTimeline();
    } catch (err) {
        if (!(err instanceof ApiError) || err.status !== 0)
            showMessage($('error'), err.message);
    }
}

function connect() {
    const socket = io({ auth: { token } });
    const live = (state, text) => {
        $('live').dataset.state = state;
        $('live-text').textContent = text;
    };
    socket.on('connect', () => {
        live('connected', 'Live');
        if (!socket.recovered)
            loadHistory(); // catch up on what happened while away
    });
    socket.on('disconnect', () => live('reconnecting', 'Reconnecting…'));
    socket.on('connect_error', () => live('reconnecting', 'Reconnecting…'));
    socket.on('package:update', (e) => {
        if (e.packageId !== parcel.id)
            return; // never anything about another parcel
        addStatus(e);
        renderTimeline();
        if (e.status === 'COMPLETED')
            loadProof();
    });
    socket.on('location:update', (e) => {
        if (e.packageId !== parcel.id || !ON_ITS_WAY.has(status))
            return;
        showCourier(e);
    });
}

// ---- status ----

function addStatus(e) {
    if (timeline.some((t) => t.status === e.status && t.timestamp === e.timestamp))
        return; // already known (a replay after reconnecting)
    timeline.push({ status: e.status, timestamp: e.timestamp, reason: e.reason ?? null });
    timeline.sort((a, b) => a.timestamp.localeCompare(b.timestamp));
    const latest = timeline[timeline.length - 1];
    setStatus(latest.status, latest.reason);
}

function setStatus(next, reason) {
    status = next;
    $('status').dataset.status = next;
    $('status').textContent = STATUS_LABELS[next] ?? next;
    if (reason && FINAL_STATUSES.has(next))
        $('status').append(el('span', { class: 'reason' }, ` (${reason})`));
    if (!ON_ITS_WAY.has(next))
        hideCourier();
}

function renderTimeline() {
    $('timeline').replaceChildren(...timeline.map((t) => el('li', { dataset: { status: t.status } },
        el('time', { datetime: t.timestamp }, formatTime(t.timestamp)),
        el('span', {}, STATUS_LABELS[t.status] ?? t.status),
        t.reason ? el('span', { class: 'reason' }, t.reason) : null)));
}

// ---- proof of delivery ----

let proofShown = null; // the id of the proof on the page

/** "Delivered to NAME", and the first photo when the depot shows photos to recipients. */
async function loadProof() {
    let proof;
    try {
        proof = await api('GET', `/api/packages/${parcel.id}/proof`, { token });
    } catch {
        return; // none (yet), or unreachable: the status says delivered either way
    }
    if (proof.id === proofShown)
        return;
    proofShown = proof.id;
    $('proof').hidden = false;
    $('delivered-to').textContent = `Delivered to ${proof.recipientName}`;
    const photo = proof.photos?.[0];
    if (!photo) {
        $('proof-photo').hidden = true;
        return;
    }
    try {
        // Images need the token, which travels in a header: fetched, then shown from a blob.
        const res = await fetch(photo.url, { headers: { Authorization: `Bearer ${token}` } });
        if (!res.ok)
            return;
        const img = $('proof-photo');
        if (img.src)
            URL.revokeObjectURL(img.src);
        img.src = URL.createObjectURL(await res.blob());
        img.hidden = false;
    } catch {
        // The photo is extra; the name is shown.
    }
}

// ---- map ----

function showMap() {
    const destination = [parcel.destination.latitude, parcel.destination.longitude];
    const maxZoom = metaNumber('depot-tile-max-zoom', 19);
    map = L.map('map', { zoomControl: true, maxZoom }).setView(destination, Math.min(14, maxZoom));
    // Tiles come through the hub, so the page works at a depot without internet. The credit may
    // be HTML (MBTiles files hold it so): only its text reaches Leaflet, which renders HTML.
    const creditHtml = document.querySelector('meta[name="depot-tile-attribution"]')?.content ?? '';
    const credit = new DOMParser().parseFromString(creditHtml, 'text/html').body.textContent;
    L.tileLayer('/tiles/{z}/{x}/{y}.png', {
        maxZoom,
        attribution: el('span', {}, credit).innerHTML,
    }).addTo(map);
    L.marker(destination, { title: 'Delivery address', alt: 'Delivery address' }).addTo(map);
}

function showCourier(e) {
    const at = [e.location.latitude, e.location.longitude];
    if (!courierMarker) {
        const icon = L.divIcon({ className: 'courier-marker', iconSize: [22, 22], html: '<span></span>' });
        courierMarker = L.marker(at, { icon, title: 'Courier', zIndexOffset: 1000 }).addTo(map);
        map.fitBounds(L.latLngBounds([at, [parcel.destination.latitude, parcel.destination.longitude]]),
                      { padding: [40, 40], maxZoom: 16 });
    } else {
        courierMarker.setLatLng(at);
    }
    const element = courierMarker.getElement();
    element.dataset.latitude = String(e.location.latitude);
    element.dataset.longitude = String(e.location.longitude);
    $('courier-seen').hidden = false;
    $('courier-seen').textContent = `Courier's position at ${formatTime(e.timestamp)}`;
    showEta(e.etaSeconds);
}

function hideCourier() {
    courierMarker?.remove();
    courierMarker = null;
    $('courier-seen').hidden = true;
    showEta(null);
}

function showEta(seconds) {
    const eta = $('eta');
    if (typeof seconds !== 'number' || !Number.isFinite(seconds)) {
        eta.hidden = true;
        return;
    }
    const minutes = Math.ceil(seconds / 60);
    const arrival = new Date(Date.now() + seconds * 1000).toISOString();
    eta.hidden = false;
    eta.dataset.seconds = String(Math.round(seconds));
    eta.textContent = minutes <= 1 ? 'Arriving in about a minute'
        : `Arriving in about ${minutes} minutes (around ${formatTime(arrival)})`;
}

lookUp();
