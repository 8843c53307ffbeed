/* Buurtpad on the door round without a signal.

   On the pages of the round (My buildings, a building's doors, a door) this script
   - registers the service worker and keeps a minimal copy on the phone (IndexedDB): the coach's
     buildings, each door's number and last outcome, names only where the coach talked with
     someone; plus the page shown without a signal (in the service worker's cache);
   - records "not home", a conversation and a new resident in a queue on the phone when there
     is no connection, each with a client id (UUID) and the time at the door;
   - shows, always, how many recordings wait, and sends them (with the session and a fresh CSRF
     token, never a stored token) when the connection is back or on the button; refused ones
     stay, with the server's reason, until the coach retries or discards them;
   - deletes everything at logout, when another user logs in, and 12 hours after it was stored.
   Every text comes from the server (data-settings), in the user's language. */
(function () {
  "use strict";

  const bar = document.getElementById("offline-bar");
  if (!bar || !("indexedDB" in window)) return;
  const S = JSON.parse(bar.dataset.settings);
  const T = S.texts;
  const KEEP_MS = S.keep_hours * 3600 * 1000;
  const SHELL = document.querySelector("[data-shell]") !== null;
  const CHUNK = 50; // per request: a batch holds the logs' heads until it commits
  const STALE_MS = 10 * 60 * 1000;
  const FLASH = "buurtpad-flash";
  const stateLine = bar.querySelector("[data-offline-state]");
  const count = bar.querySelector("[data-queue-count]");
  const sendButton = bar.querySelector("[data-sync-now]");
  const refusedBox = bar.querySelector("[data-refused]");
  const refusedTitle = bar.querySelector("[data-refused-title]");
  const refusedList = bar.querySelector("[data-refused-list]");
  let ready = false;
  let sending = false;
  let notice = "";
  let sequence = 0;
  let leaving = false;

  function fill(text, values) {
    return text.replace(/%\((\w+)\)[sd]/g, (all, name) => (name in values ? String(values[name]) : all));
  }

  function plural(forms, n) {
    return fill(forms[n === 1 ? 0 : 1], { num: n });
  }

  function urlOf(pattern, id) {
    return pattern.replace("{id}", String(id));
  }

  function idIn(pattern, path) {
    const [before, after] = pattern.split("{id}");
    if (!path.startsWith(before) || !path.endsWith(after)) return null;
    const id = path.slice(before.length, path.length - after.length);
    return /^\d+$/.test(id) ? Number(id) : null;
  }

  /* ---------------------------------------------------------------- the phone's database */

  const DB = "buurtpad-offline";
  let opened = null;

  function database() {
    if (!opened) {
      opened = new Promise((resolve, reject) => {
        const request = indexedDB.open(DB, 1);
        request.onupgradeneeded = () => {
          request.result.createObjectStore("copy");
          request.result.createObjectStore("queue", { keyPath: "client_id" });
        };
        request.onsuccess = () => {
          const db = request.result;
          db.onversionchange = () => { db.close(); opened = null; };
          resolve(db);
        };
        request.onerror = () => reject(request.error);
      });
    }
    return opened;
  }

  function run(store, mode, work) {
    return database().then((db) => new Promise((resolve, reject) => {
      const transaction = db.transaction(store, mode);
      const request = work(transaction.objectStore(store));
      transaction.oncomplete = () => resolve(request ? request.result : undefined);
      transaction.onerror = () => reject(transaction.error);
      transaction.onabort = () => reject(transaction.error);
    }));
  }

  function byTime(a, b) {
    if (a.recorded_at !== b.recorded_at) return a.recorded_at < b.recorded_at ? -1 : 1;
    return a.local.seq - b.local.seq;
  }

  const readCopy = () => run("copy", "readonly", (store) => store.get("copy"));
  const writeCopy = (copy) => run("copy", "readwrite", (store) => store.put(copy, "copy"));
  const forgetCopy = () => run("copy", "readwrite", (store) => store.delete("copy"));
  const queued = () => run("queue", "readonly", (store) => store.getAll()).then((items) => items.sort(byTime));
  const keep = (items) => run("queue", "readwrite", (store) => { items.forEach((item) => store.put(item)); return null; });
  const drop = (ids) => run("queue", "readwrite", (store) => { ids.forEach((id) => store.delete(id)); return null; });

  async function forgetCaches() {
    if (!("caches" in window)) return;
    for (const name of await caches.keys()) {
      if (name.startsWith("buurtpad-")) await caches.delete(name);
    }
  }

  async function wipe() {
    if (opened) {
      (await opened).close();
      opened = null;
    }
    await new Promise((resolve) => {
      const request = indexedDB.deleteDatabase(DB);
      request.onsuccess = request.onerror = request.onblocked = () => resolve();
    });
    await forgetCaches();
    if ("serviceWorker" in navigator) {
      for (const registration of await navigator.serviceWorker.getRegistrations()) {
        await registration.unregister();
      }
    }
  }

  /* Another user's copy and recordings go; so does anything stored more than KEEP_MS ago. */
  async function forgetExpired() {
    const now = Date.now();
    const copy = await readCopy();
    if (copy && copy.user_id !== S.user_id) {
      await wipe();
      return;
    }
    if (copy && now - copy.stored_at > KEEP_MS) {
      await forgetCopy();
      await forgetCaches();
    }
    const old = (await queued()).filter((item) => item.recorded_by !== S.user_id
      || now - Date.parse(item.recorded_at) > KEEP_MS);
    if (old.length) await drop(old.map((item) => item.client_id));
  }

  async function refreshCopy() {
    const response = await fetch(S.copy_url, {
      credentials: "same-origin", redirect: "manual", headers: { Accept: "application/json" },
    });
    if (!response.ok) return false;
    const copy = await response.json();
    if (copy.user_id !== S.user_id) return false;
    copy.stored_at = Date.now();
    await writeCopy(copy);
    return keepShell();
  }

  async function keepShell() {
    if (!("caches" in window)) return false;
    const cache = await caches.open(S.cache);
    const shell = await fetch(S.shell_url, { credentials: "same-origin", redirect: "manual" });
    if (!shell.ok) return false;
    await cache.put(S.shell_url, shell);
    return true;
  }

  /* ---------------------------------------------------------------- recording at the door */

  function number(value) {
    const text = String(value || "").trim();
    if (text === "") return null;
    return /^\d+$/.test(text) ? Number(text) : text; // the server says what is wrong with it
  }

  function contextOf(form) {
    return {
      dwellingId: Number(form.dataset.dwellingId),
      buildingId: Number(form.dataset.buildingId),
      address: form.dataset.address || "",
      back: form.dataset.back,
    };
  }

  function recording(kind, payload, context, what, now) {
    sequence += 1;
    return {
      client_id: crypto.randomUUID(),
      kind,
      recorded_at: now,
      recorded_by: S.user_id,
      [kind]: payload,
      local: {
        state: "waiting", message: "", seq: Date.now() * 1000 + sequence,
        dwelling_id: context.dwellingId, building_id: context.buildingId,
        address: context.address, what,
      },
    };
  }

  function showError(form, name, text) {
    const input = form.querySelector(`[name="${name}"]`);
    if (!input) return;
    const holder = input.closest(".field") || input.parentElement;
    holder.classList.add("has-error");
    let error = holder.querySelector(".error");
    if (!error) {
      error = document.createElement("p");
      error.className = "error";
      error.id = `${input.id || name}-error`;
      holder.appendChild(error);
    }
    error.textContent = text;
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", error.id);
    const details = input.closest("details");
    if (details) details.open = true;
    input.focus();
  }

  function recordingsFrom(form) {
    const context = contextOf(form);
    const now = new Date().toISOString();
    const dwelling = context.dwellingId;
    if (form.dataset.offlineKind === "not_home") {
      return [recording("visit", { dwelling_id: dwelling, outcome: "not_home" }, context,
        { outcome: "not_home" }, now)];
    }
    const data = new FormData(form);
    const outcome = String(data.get("outcome") || "talked");
    const visit = {
      dwelling_id: dwelling,
      outcome,
      themes: data.getAll("themes").map(String),
      offers: data.getAll("offers").map(String),
      wishes: data.getAll("wishes").map(String),
      willingness: number(data.get("willingness")),
      household_size: number(data.get("household_size")),
      notes: String(data.get("notes") || ""),
    };
    const made = [];
    const who = String(data.get("resident") || "");
    if (who === "new") {
      const name = String(data.get("new_resident_name") || "").trim();
      if (!name) {
        showError(form, "new_resident_name", T.name_required);
        return null;
      }
      const phone = String(data.get("new_resident_phone") || "").trim();
      const resident = recording("resident", {
        dwelling_id: dwelling,
        display_name: name,
        birth_year: number(data.get("new_resident_birth_year")),
        phone: phone || null,
        languages: String(data.get("new_resident_languages") || "").split(",")
          .map((language) => language.trim()).filter(Boolean),
      }, context, { resident: name }, now);
      made.push(resident);
      visit.resident_client_id = resident.client_id;
    } else if (who.startsWith("pending:")) {
      visit.resident_client_id = who.slice("pending:".length);
    } else if (who && who !== "None") {
      visit.resident_id = who;
    }
    made.push(recording("visit", visit, context, { outcome }, now));
    return made;
  }

  async function onSubmit(event) {
    const form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    if (new URL(form.action || location.href, location.href).pathname === S.logout_url
        && form.method.toLowerCase() === "post") {
      event.preventDefault();
      const items = await queued().catch(() => []);
      if (items.length && !window.confirm(plural(T.logout, items.length))) return;
      await wipe().catch(() => null);
      form.submit();
      return;
    }
    if (!form.dataset.offlineKind) return;
    if (!SHELL && navigator.onLine) return; // online, the page sends it itself
    event.preventDefault();
    const made = recordingsFrom(form);
    if (!made) return;
    const buttons = form.querySelectorAll("button");
    buttons.forEach((element) => { element.disabled = true; }); // one tap, one recording
    await keep(made);
    sessionStorage.setItem(FLASH, T.saved);
    leaving = true;
    location.assign(form.dataset.back);
  }

  /* ---------------------------------------------------------------- sending */

  function wire(item) {
    const { local, ...sent } = item; // eslint-disable-line no-unused-vars
    return sent;
  }

  /* True when the server answered (whatever it answered about each recording). */
  async function send() {
    if (sending || leaving || !navigator.onLine) return false;
    const waiting = (await queued()).filter((item) => item.local.state === "waiting");
    if (!waiting.length) return false;
    sending = true;
    let reached = false;
    stateLine.textContent = T.sending;
    notice = "";
    try {
      const session = await fetch(S.sync_url, {
        credentials: "same-origin", redirect: "manual", headers: { Accept: "application/json" },
      });
      reached = true;
      if (!session.ok) {
        notice = session.type === "opaqueredirect" || session.status === 401 ? T.login : T.failed;
        return reached;
      }
      const who = await session.json();
      if (who.user_id !== S.user_id) {
        notice = T.login;
        return reached;
      }
      let sent = 0;
      let duplicates = 0;
      for (let start = 0; start < waiting.length; start += CHUNK) {
        const part = waiting.slice(start, start + CHUNK);
        const response = await fetch(S.sync_url, {
          method: "POST",
          credentials: "same-origin",
          redirect: "manual",
          headers: {
            "Content-Type": "application/json", Accept: "application/json",
            "X-CSRFToken": who.csrf_token,
          },
          body: JSON.stringify({ items: part.map(wire) }),
        });
        if (!response.ok) {
          notice = response.type === "opaqueredirect" ? T.login : T.failed;
          return reached;
        }
        const answer = await response.json();
        const byId = new Map(part.map((item) => [item.client_id, item]));
        const done = [];
        const refused = [];
        for (const result of answer.results) {
          const item = byId.get(result.client_id);
          if (!item) continue;
          if (result.status === "refused") {
            item.local.state = "refused";
            item.local.message = result.message || "";
            refused.push(item);
          } else {
            done.push(item.client_id);
            sent += 1;
            if ((result.possible_duplicate_of || []).length) duplicates += 1;
          }
        }
        await drop(done);
        await keep(refused);
      }
      notice = [sent ? plural(T.sent, sent) : "", duplicates ? T.duplicates : ""]
        .filter(Boolean).join(" ");
      if (!SHELL) await refreshCopy().catch(() => false);
    } catch (error) {
      notice = T.failed;
    } finally {
      sending = false;
      await render();
    }
    return reached;
  }

  /* ---------------------------------------------------------------- what the bar shows */

  function describe(item) {
    const what = item.local.what || {};
    const done = what.resident !== undefined
      ? fill(T.new_resident, { name: what.resident })
      : S.outcomes[what.outcome] || what.outcome || "";
    return [item.local.address, done].filter(Boolean).join(" · ");
  }

  function button(text, kind, action) {
    const element = document.createElement("button");
    element.type = "button";
    element.className = kind;
    element.textContent = text;
    element.addEventListener("click", action);
    return element;
  }

  function refusedRow(item) {
    const row = document.createElement("li");
    const what = document.createElement("strong");
    what.textContent = describe(item);
    const why = document.createElement("span");
    why.className = "small";
    why.textContent = item.local.message;
    const actions = document.createElement("div");
    actions.className = "offline-actions";
    actions.append(
      button(T.retry, "secondary", async () => {
        item.local.state = "waiting";
        item.local.message = "";
        await keep([item]);
        await render();
        await send();
      }),
      button(T.discard, "danger", async () => {
        await drop([item.client_id]);
        await render();
      }),
    );
    row.append(what, why, actions);
    return row;
  }

  async function render() {
    const items = await queued().catch(() => []);
    const waiting = items.filter((item) => item.local.state === "waiting");
    const refused = items.filter((item) => item.local.state === "refused");
    count.textContent = waiting.length ? plural(T.waiting, waiting.length) : T.nothing_waiting;
    bar.dataset.waiting = String(waiting.length);
    bar.dataset.refused = String(refused.length);
    bar.classList.toggle("has-waiting", waiting.length > 0);
    sendButton.hidden = waiting.length === 0;
    if (!sending) {
      stateLine.textContent = !navigator.onLine ? T.offline : notice || (ready ? T.ready : "");
      if (navigator.onLine && notice === T.login) {
        const link = document.createElement("a");
        link.href = `${S.login_url}?next=${encodeURIComponent(location.pathname)}`;
        link.textContent = T.log_in;
        stateLine.append(" ", link);
      }
    }
    refusedBox.hidden = refused.length === 0;
    refusedTitle.textContent = plural(T.refused, refused.length);
    refusedList.replaceChildren(...refused.map(refusedRow));
  }

  function showOnlineOnly() {
    const online = navigator.onLine;
    document.querySelectorAll("[data-online-only]").forEach((element) => { element.hidden = !online; });
    document.querySelectorAll("[data-offline-only]").forEach((element) => { element.hidden = online; });
  }

  /* ---------------------------------------------------------------- the page without a signal */

  function clone(id) {
    return document.getElementById(id).content.cloneNode(true);
  }

  function doorNumber(door) {
    return door.addition ? `${door.number}-${door.addition}` : String(door.number);
  }

  function latestVisits(items) {
    const latest = new Map();
    items.filter((item) => item.kind === "visit")
      .forEach((item) => latest.set(item.local.dwelling_id, item)); // sorted by time
    return latest;
  }

  function drawFlats(view, copy) {
    const page = clone("offline-flats");
    const list = page.querySelector("[data-list]");
    for (const building of copy.buildings) {
      const item = clone("offline-flat");
      const link = item.querySelector("[data-link]");
      link.href = urlOf(S.building_url, building.id);
      link.textContent = building.name;
      item.querySelector("[data-facts]").textContent = fill(T.facts, {
        count: building.doors.length, floors: building.floors,
      });
      list.appendChild(item);
    }
    view.replaceChildren(page);
  }

  function drawBuilding(view, building, items) {
    const page = clone("offline-building");
    page.querySelector("[data-name]").textContent = building.name;
    const floors = page.querySelector("[data-floors]");
    const pending = latestVisits(items);
    let section = null;
    let floor = null;
    for (const door of building.doors) {
      if (door.floor !== floor) {
        floor = door.floor;
        section = clone("offline-floor");
        const element = section.querySelector("section");
        element.id = `floor-${floor}`;
        section.querySelector("[data-title]").textContent = fill(T.floor, { floor });
        floors.appendChild(section);
        section = floors.lastElementChild.querySelector("[data-doors]");
      }
      const waiting = pending.get(door.id);
      const outcome = waiting ? waiting.visit.outcome : door.outcome;
      const label = S.outcomes[outcome] || outcome;
      const link = document.createElement("a");
      link.className = `door outcome-${outcome || "none"}${waiting ? " pending" : ""}`;
      link.href = urlOf(S.dwelling_url, door.id);
      link.setAttribute("aria-label", fill(T.door, {
        number: doorNumber(door), outcome: waiting ? `${label} (${T.pending})` : label,
      }));
      const strong = document.createElement("strong");
      strong.textContent = doorNumber(door);
      const span = document.createElement("span");
      span.textContent = label;
      link.append(strong, span);
      const li = document.createElement("li");
      li.appendChild(link);
      section.appendChild(li);
    }
    view.replaceChildren(page);
    if (location.hash) {
      const target = document.getElementById(location.hash.slice(1));
      if (target) target.scrollIntoView();
    }
  }

  function residentOption(value, text, index) {
    const label = document.createElement("label");
    label.className = "option";
    label.htmlFor = `resident-known-${index}`;
    const input = document.createElement("input");
    input.type = "radio";
    input.name = "resident";
    input.id = label.htmlFor;
    input.value = value;
    const span = document.createElement("span");
    span.textContent = text;
    label.append(input, span);
    return label;
  }

  function drawDoor(view, building, door, items) {
    const page = clone("offline-door");
    const back = page.querySelector("[data-back]");
    const backUrl = `${urlOf(S.building_url, building.id)}#floor-${door.floor}`;
    back.href = backUrl;
    back.textContent = `← ${building.name}, ${fill(T.floor, { floor: door.floor })}`;
    page.querySelector("[data-address]").textContent = door.address;
    const here = items.filter((item) => item.local.dwelling_id === door.id);
    const waiting = latestVisits(here).get(door.id);
    const outcome = waiting ? waiting.visit.outcome : door.outcome;
    page.querySelector("[data-facts]").textContent = [
      fill(T.floor, { floor: door.floor }),
      (S.outcomes[outcome] || outcome) + (waiting ? ` (${T.pending})` : ""),
    ].join(" · ");
    const people = [
      ...door.residents.map((resident) => ({ value: resident.id, name: resident.name })),
      ...here.filter((item) => item.kind === "resident").map((item) => ({
        value: `pending:${item.client_id}`,
        name: fill(T.pending_resident, { name: item.resident.display_name }),
      })),
    ];
    if (people.length) {
      page.querySelector("[data-residents]").hidden = false;
      const list = page.querySelector("[data-resident-list]");
      for (const person of people) {
        const li = document.createElement("li");
        li.textContent = person.name;
        list.appendChild(li);
      }
    }
    for (const form of page.querySelectorAll("form[data-offline-kind]")) {
      form.dataset.dwellingId = String(door.id);
      form.dataset.buildingId = String(building.id);
      form.dataset.address = door.address;
      form.dataset.back = backUrl;
      const someone = form.querySelector("input[name=resident]");
      if (someone) {
        const options = someone.closest(".options") || someone.parentElement.parentElement;
        const first = options.firstChild;
        people.forEach((person, index) => {
          options.insertBefore(residentOption(person.value, person.name, index), first);
        });
      }
    }
    view.replaceChildren(page);
  }

  async function drawShell() {
    const view = document.getElementById("offline-view");
    const copy = await readCopy();
    if (!copy) {
      document.getElementById("offline-empty").hidden = false;
      return;
    }
    const items = await queued();
    const buildingId = idIn(S.building_url, location.pathname);
    const dwellingId = idIn(S.dwelling_url, location.pathname);
    if (buildingId !== null) {
      const building = copy.buildings.find((candidate) => candidate.id === buildingId);
      if (building) drawBuilding(view, building, items);
      else unknownDoor(view);
    } else if (dwellingId !== null) {
      const building = copy.buildings.find((candidate) => candidate.doors.some((door) => door.id === dwellingId));
      if (building) drawDoor(view, building, building.doors.find((door) => door.id === dwellingId), items);
      else unknownDoor(view);
    } else {
      drawFlats(view, copy);
    }
    const flash = sessionStorage.getItem(FLASH);
    if (flash) {
      sessionStorage.removeItem(FLASH);
      const message = document.createElement("p");
      message.className = "flash";
      message.setAttribute("role", "status");
      message.textContent = flash;
      view.prepend(message);
    }
  }

  function unknownDoor(view) {
    const message = document.createElement("p");
    message.className = "empty";
    message.textContent = T.unknown_door;
    view.replaceChildren(message);
  }

  /* ---------------------------------------------------------------- start */

  async function prepare() {
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register(S.sw_url, { scope: "/" }).catch(() => null);
    }
    if (!navigator.onLine) return;
    const copy = await readCopy();
    const stale = !copy || bar.dataset.refresh === "always" || Date.now() - copy.stored_at > STALE_MS;
    let kept = stale ? await refreshCopy().catch(() => false) : true;
    if (kept && "caches" in window && !(await caches.match(S.shell_url))) {
      kept = await keepShell().catch(() => false);
    }
    if (kept && "serviceWorker" in navigator) {
      await navigator.serviceWorker.ready;
      ready = true;
      bar.dataset.ready = "true";
    }
  }

  async function start() {
    document.addEventListener("submit", (event) => { onSubmit(event); }, true);
    sendButton.addEventListener("click", () => { send(); });
    window.addEventListener("online", () => {
      showOnlineOnly();
      // Back on the page from the server once it answers; not while leaving this one.
      send().then(() => {
        if (!SHELL || leaving) return;
        fetch(S.sync_url, { credentials: "same-origin", redirect: "manual" })
          .then(() => { if (!leaving && navigator.onLine) location.reload(); }, () => null);
      });
    });
    window.addEventListener("offline", () => { showOnlineOnly(); render(); });
    showOnlineOnly();
    await forgetExpired().catch(() => null);
    if (SHELL) await drawShell();
    await render();
    if (!SHELL) await prepare().catch(() => null);
    await send();
    await render();
    window.setInterval(() => { if (navigator.onLine) send(); }, 15000);
  }

  start();
}());
