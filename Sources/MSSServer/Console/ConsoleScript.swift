extension ConsoleAssets {
    /// `/_console/console.js`: the console page's script, plain JavaScript with no dependencies.
    static let script = #"""
// The mss web console. Plain JavaScript, no framework, no build step: compiled into mss-server.
// It asks the console for presigned URLs (signed with the signed-in user's own key) and then
// talks to the S3 API and the image service with them, so the S3 server decides every permission.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const csrf = document.body.dataset.csrf;
  const imageService = document.body.dataset.imageService === "on";
  const IMAGE_KEY = /\.(jpe?g|png|webp|gif|bmp|tiff?|avif|heic)$/i;
  const PART_SIZE = 8 * 1024 * 1024;
  const MULTIPART_THRESHOLD = 16 * 1024 * 1024;
  const state = { buckets: [], bucket: null, prefix: "", token: null, renderSeq: 0 };

  // MARK: small helpers

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(props || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name === "class") node.className = value;
      else if (name === "text") node.textContent = value;
      else if (name === "data") Object.assign(node.dataset, value);
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children) {
      if (child !== null && child !== undefined) node.append(child);
    }
    return node;
  }

  let noticeTimer = null;
  function notice(message, bad) {
    const box = $("notice");
    box.textContent = message;
    box.classList.toggle("bad", !!bad);
    box.hidden = false;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(() => { box.hidden = true; }, bad ? 12000 : 5000);
  }

  function formatSize(bytes) {
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let value = Number(bytes);
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
    return (unit === 0 ? String(value) : value.toFixed(value < 10 ? 1 : 0)) + " " + units[unit];
  }

  function formatDate(text) {
    const date = new Date(text);
    return isNaN(date) ? text : date.toLocaleString();
  }

  function parseXML(text) {
    return new DOMParser().parseFromString(text, "application/xml");
  }

  function childText(node, name) {
    for (const child of node.children) {
      if (child.localName === name) return child.textContent;
    }
    return null;
  }

  function elements(doc, name) {
    return Array.from(doc.getElementsByTagName(name));
  }

  // MARK: the console's own API, and S3 through presigned URLs

  async function api(path, payload) {
    const response = await fetch("/_console/api/" + path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-MSS-Console-CSRF": csrf },
      body: JSON.stringify(payload),
    });
    let data = {};
    try { data = await response.json(); } catch (_) { /* not JSON */ }
    if (response.status === 401) {
      location.assign("/_console/");
      throw new Error("The session has ended; sign in again.");
    }
    if (!response.ok) throw new Error(data.error || "HTTP " + response.status);
    return data;
  }

  async function presign(method, bucket, key, query, expires, service) {
    const payload = { method: method, query: query || [] };
    if (bucket) payload.bucket = bucket;
    if (key) payload.key = key;
    if (expires) payload.expires = expires;
    if (service) payload.service = service;
    return (await api("presign", payload)).url;
  }

  // The S3 error document's code and message, or the status.
  async function s3Error(response) {
    const text = await response.text().catch(() => "");
    if (text) {
      const doc = parseXML(text);
      const root = doc.documentElement;
      if (root && root.localName === "Error") {
        return (childText(root, "Code") || "Error") + ": " + (childText(root, "Message") || "HTTP " + response.status);
      }
    }
    return "HTTP " + response.status + " " + response.statusText;
  }

  async function s3(method, bucket, key, query, init) {
    const url = await presign(method, bucket, key, query);
    const response = await fetch(url, Object.assign({ method: method, credentials: "omit" }, init || {}));
    if (!response.ok) throw new Error(await s3Error(response));
    return response;
  }

  async function s3XML(method, bucket, key, query, init) {
    const response = await s3(method, bucket, key, query, init);
    const doc = parseXML(await response.text());
    // Completions can fail inside a 200.
    if (doc.documentElement && doc.documentElement.localName === "Error") {
      throw new Error(childText(doc.documentElement, "Code") + ": " + childText(doc.documentElement, "Message"));
    }
    return doc;
  }

  // A PUT with upload progress (fetch has none): resolves to the ETag.
  function putWithProgress(url, body, contentType, onProgress) {
    return new Promise((resolve, reject) => {
      const request = new XMLHttpRequest();
      request.open("PUT", url);
      if (contentType) request.setRequestHeader("Content-Type", contentType);
      request.upload.onprogress = (event) => { if (event.lengthComputable) onProgress(event.loaded); };
      request.onload = () => {
        if (request.status >= 200 && request.status < 300) { resolve(request.getResponseHeader("ETag")); return; }
        const doc = parseXML(request.responseText || "<x/>");
        const root = doc.documentElement;
        reject(new Error(root && root.localName === "Error"
          ? childText(root, "Code") + ": " + childText(root, "Message") : "HTTP " + request.status));
      };
      request.onerror = () => reject(new Error("the connection failed"));
      request.send(body);
    });
  }

  // MARK: views

  function show(view) {
    for (const tab of document.querySelectorAll(".tab")) tab.classList.toggle("active", tab.dataset.view === view);
    $("view-browse").hidden = view !== "browse";
    $("view-playground").hidden = view !== "playground";
    $("notice").hidden = true;
  }

  // MARK: buckets and objects

  async function loadBuckets() {
    const doc = await s3XML("GET", null, null);
    state.buckets = elements(doc, "Bucket").map((bucket) => ({
      name: childText(bucket, "Name"), created: childText(bucket, "CreationDate"),
    }));
    const list = $("bucket-list");
    list.replaceChildren(...state.buckets.map((bucket) => el("li", {},
      el("button", {
        type: "button", class: bucket.name === state.bucket ? "active" : "", text: bucket.name,
        title: "created " + formatDate(bucket.created), data: { bucket: bucket.name },
        onclick: () => openBucket(bucket.name, ""),
      }))));
    if (!state.buckets.length) list.append(el("li", { class: "hint", text: "No buckets yet." }));
    const select = $("pg-bucket");
    const chosen = select.value;
    select.replaceChildren(...state.buckets.map((bucket) => el("option", { value: bucket.name, text: bucket.name })));
    if (chosen && state.buckets.some((bucket) => bucket.name === chosen)) select.value = chosen;
  }

  async function openBucket(name, prefix) {
    state.bucket = name;
    state.prefix = prefix || "";
    state.token = null;
    for (const button of $("bucket-list").querySelectorAll("button")) {
      button.classList.toggle("active", button.dataset.bucket === name);
    }
    renderCrumbs();
    $("objects").replaceChildren();
    await loadObjects().catch((error) => notice(error.message, true));
  }

  function renderCrumbs() {
    const crumbs = $("crumbs");
    crumbs.replaceChildren();
    $("drop-target").textContent = state.bucket ? state.bucket + "/" + state.prefix : "—";
    if (!state.bucket) return;
    crumbs.append(el("button", { type: "button", class: "link", text: state.bucket, onclick: () => openBucket(state.bucket, "") }));
    let path = "";
    for (const part of state.prefix.split("/").filter((part) => part)) {
      path += part + "/";
      const target = path;
      crumbs.append(el("span", { class: "sep", text: "/" }),
        el("button", { type: "button", class: "link", text: part, onclick: () => openBucket(state.bucket, target) }));
    }
  }

  async function loadObjects() {
    const bucket = state.bucket;
    const query = [["list-type", "2"], ["delimiter", "/"], ["max-keys", "200"]];
    if (state.prefix) query.push(["prefix", state.prefix]);
    if (state.token) query.push(["continuation-token", state.token]);
    const doc = await s3XML("GET", bucket, null, query);
    if (bucket !== state.bucket) return;
    const body = $("objects");
    for (const prefix of elements(doc, "CommonPrefixes")) {
      const name = childText(prefix, "Prefix");
      body.append(el("tr", { data: { prefix: name } },
        el("td", { class: "name" }, el("button", {
          type: "button", class: "link folder", text: name.slice(state.prefix.length),
          onclick: () => openBucket(bucket, name),
        })),
        el("td", { class: "num", text: "" }), el("td", { class: "date", text: "" }), el("td", { class: "actions" })));
    }
    for (const item of elements(doc, "Contents")) {
      const key = childText(item, "Key");
      if (key === state.prefix) continue;
      body.append(objectRow(bucket, key, childText(item, "Size"), childText(item, "LastModified")));
    }
    if (!body.children.length) {
      body.append(el("tr", { class: "empty" }, el("td", { colspan: "4", text: "Nothing here yet: drop files above to upload them." })));
    }
    state.token = childText(doc.documentElement, "IsTruncated") === "true"
      ? childText(doc.documentElement, "NextContinuationToken") : null;
    $("more").hidden = !state.token;
  }

  function objectRow(bucket, key, size, modified) {
    const isImage = IMAGE_KEY.test(key);
    return el("tr", { data: { key: key } },
      el("td", { class: "name", text: key.slice(state.prefix.length) }),
      el("td", { class: "num", text: formatSize(size), title: size + " bytes" }),
      el("td", { class: "date", text: formatDate(modified) }),
      el("td", { class: "actions" },
        el("button", { type: "button", class: "link", text: "Download", onclick: () => download(bucket, key) }),
        el("button", { type: "button", class: "link", text: "Info", onclick: () => info(bucket, key) }),
        el("button", { type: "button", class: "link", text: "Link", onclick: () => linkDialog(bucket, key) }),
        isImage && imageService
          ? el("button", { type: "button", class: "link", text: "Playground", onclick: () => openPlayground(bucket, key) }) : null,
        el("button", { type: "button", class: "link danger", text: "Delete", onclick: () => remove(bucket, key) })));
  }

  async function download(bucket, key) {
    try {
      const name = key.split("/").pop() || "download";
      const url = await presign("GET", bucket, key,
        [["response-content-disposition", "attachment; filename*=UTF-8''" + encodeURIComponent(name)]]);
      const link = el("a", { href: url, download: name });
      document.body.append(link);
      link.click();
      link.remove();
    } catch (error) {
      notice(error.message, true);
    }
  }

  function openDialog(...content) {
    $("details-body").replaceChildren(...content);
    const dialog = $("details");
    if (!dialog.open) dialog.showModal();
  }

  async function info(bucket, key) {
    try {
      const response = await s3("HEAD", bucket, key);
      const rows = [];
      response.headers.forEach((value, name) => {
        if (name === "x-amz-request-id" || name === "server" || name === "date") return;
        rows.push(el("tr", {}, el("td", { text: name }), el("td", { text: value })));
      });
      rows.sort((a, b) => a.firstChild.textContent.localeCompare(b.firstChild.textContent));
      openDialog(el("h3", { text: bucket + "/" + key }), el("table", { id: "metadata" }, el("tbody", {}, ...rows)));
    } catch (error) {
      notice(error.message, true);
    }
  }

  function linkDialog(bucket, key) {
    const expiry = el("select", { id: "link-expiry" },
      el("option", { value: "300", text: "5 minutes" }), el("option", { value: "3600", text: "1 hour", selected: true }),
      el("option", { value: "86400", text: "1 day" }), el("option", { value: "604800", text: "7 days (the most SigV4 allows)" }));
    const output = el("input", { id: "link-url", class: "link-out", readonly: true, placeholder: "the URL appears here" });
    const copy = el("button", { type: "button", class: "quiet", text: "Copy", disabled: true, onclick: async () => {
      output.select();
      try { await navigator.clipboard.writeText(output.value); notice("Copied."); } catch (_) { document.execCommand("copy"); }
    } });
    const make = el("button", { type: "button", id: "link-make", text: "Generate", onclick: async () => {
      try {
        output.value = await presign("GET", bucket, key, [], Number(expiry.value));
        copy.disabled = false;
      } catch (error) {
        output.value = "";
        notice(error.message, true);
      }
    } });
    openDialog(el("h3", { text: "Presigned link: " + bucket + "/" + key }),
      el("p", { class: "hint", text: "Anyone with the link can download the object until it expires; it is signed with your key." }),
      el("div", { class: "link-row" }, el("label", {}, "Valid for ", expiry), make, copy), output);
  }

  async function remove(bucket, key) {
    if (!confirm("Delete " + bucket + "/" + key + "?")) return;
    try {
      await s3("DELETE", bucket, key);
      notice("Deleted " + key + ".");
      await openBucket(bucket, state.prefix);
    } catch (error) {
      notice(error.message, true);
    }
  }

  async function createBucket(event) {
    event.preventDefault();
    const input = $("new-bucket-name");
    const name = input.value.trim();
    try {
      await s3("PUT", name, null);
      input.value = "";
      notice("Created bucket " + name + ".");
      await loadBuckets();
      await openBucket(name, "");
    } catch (error) {
      notice(error.message, true);
    }
  }

  // MARK: uploads

  async function upload(files) {
    if (!state.bucket) { notice("Choose a bucket first.", true); return; }
    const bucket = state.bucket;
    const prefix = state.prefix;
    for (const file of files) {
      const key = prefix + file.name;
      const bar = el("progress", { max: String(Math.max(file.size, 1)), value: "0" });
      const status = el("span", { text: "uploading" });
      const row = el("li", { data: { upload: key } }, el("span", { text: key }), bar, status);
      $("uploads").append(row);
      try {
        if (file.size <= MULTIPART_THRESHOLD) {
          const url = await presign("PUT", bucket, key);
          await putWithProgress(url, file, file.type || "application/octet-stream", (sent) => { bar.value = sent; });
        } else {
          await multipartUpload(bucket, key, file, (sent) => { bar.value = sent; status.textContent = formatSize(sent) + " of " + formatSize(file.size); });
        }
        bar.value = file.size;
        status.textContent = "done";
        row.dataset.state = "done";
      } catch (error) {
        status.textContent = error.message;
        status.className = "failed";
        row.dataset.state = "failed";
      }
    }
    if (state.bucket === bucket && state.prefix === prefix) await openBucket(bucket, prefix);
  }

  // CreateMultipartUpload, UploadPart for each 8 MiB, CompleteMultipartUpload; aborted on failure.
  async function multipartUpload(bucket, key, file, onProgress) {
    const created = await s3XML("POST", bucket, key, [["uploads"]], {
      headers: { "Content-Type": file.type || "application/octet-stream" },
    });
    const uploadId = childText(created.documentElement, "UploadId");
    const parts = [];
    let sent = 0;
    try {
      for (let start = 0, number = 1; start < file.size; start += PART_SIZE, number++) {
        const chunk = file.slice(start, Math.min(start + PART_SIZE, file.size));
        const url = await presign("PUT", bucket, key, [["partNumber", String(number)], ["uploadId", uploadId]]);
        const etag = await putWithProgress(url, chunk, null, (loaded) => onProgress(sent + loaded));
        sent += chunk.size;
        parts.push("<Part><PartNumber>" + number + "</PartNumber><ETag>" + etag.replace(/&/g, "&amp;").replace(/</g, "&lt;") + "</ETag></Part>");
      }
      await s3XML("POST", bucket, key, [["uploadId", uploadId]], {
        headers: { "Content-Type": "application/xml" },
        body: "<CompleteMultipartUpload>" + parts.join("") + "</CompleteMultipartUpload>",
      });
    } catch (error) {
      await s3("DELETE", bucket, key, [["uploadId", uploadId]]).catch(() => {});
      throw error;
    }
  }

  function setUpDropZone() {
    const panel = $("objects-panel");
    let depth = 0;
    panel.addEventListener("dragenter", (event) => { event.preventDefault(); depth++; panel.classList.add("dragging"); });
    panel.addEventListener("dragleave", () => { if (--depth <= 0) { depth = 0; panel.classList.remove("dragging"); } });
    panel.addEventListener("dragover", (event) => { event.preventDefault(); event.dataTransfer.dropEffect = "copy"; });
    panel.addEventListener("drop", (event) => {
      event.preventDefault();
      depth = 0;
      panel.classList.remove("dragging");
      const files = Array.from(event.dataTransfer.files || []);
      if (files.length) upload(files);
    });
    // A drop that misses the panel must not navigate away to the file.
    window.addEventListener("dragover", (event) => event.preventDefault());
    window.addEventListener("drop", (event) => event.preventDefault());
    $("file-input").addEventListener("change", (event) => {
      const files = Array.from(event.target.files);
      event.target.value = "";
      if (files.length) upload(files);
    });
  }

  // MARK: image playground

  async function loadImageKeys(selected) {
    const bucket = $("pg-bucket").value;
    const select = $("pg-key");
    select.replaceChildren();
    if (!bucket) return;
    try {
      const doc = await s3XML("GET", bucket, null, [["list-type", "2"], ["max-keys", "1000"]]);
      const keys = elements(doc, "Contents").map((item) => childText(item, "Key")).filter((key) => IMAGE_KEY.test(key));
      select.replaceChildren(...keys.map((key) => el("option", { value: key, text: key })));
      if (!keys.length) select.append(el("option", { value: "", text: "(no images in this bucket)" }));
      if (selected && keys.includes(selected)) select.value = selected;
    } catch (error) {
      playgroundError(error.message);
    }
  }

  async function openPlayground(bucket, key) {
    show("playground");
    $("pg-bucket").value = bucket;
    await loadImageKeys(key);
    render();
  }

  function playgroundError(message) {
    const box = $("pg-error");
    box.textContent = message;
    box.hidden = !message;
  }

  function clearRendered(message) {
    const image = $("pg-rendered");
    image.removeAttribute("src");
    image.dataset.state = message ? "error" : "";
    $("pg-rendered-size").textContent = "";
    $("pg-url").textContent = "";
    $("pg-cli").textContent = "";
    $("pg-sdk").textContent = "";
    playgroundError(message || "");
  }

  async function render() {
    const bucket = $("pg-bucket").value;
    const key = $("pg-key").value;
    const process = $("pg-process").value.trim();
    const seq = ++state.renderSeq;
    if (!bucket || !key) { clearRendered("Choose a bucket and an image."); return; }
    const original = $("pg-original");
    if (original.dataset.source !== bucket + "/" + key) {
      original.dataset.source = bucket + "/" + key;
      original.dataset.state = "loading";
      $("pg-original-size").textContent = "";
      try { original.src = await presign("GET", bucket, key); } catch (error) { playgroundError(error.message); }
    }
    if (!process) { clearRendered(""); return; }
    let answer;
    try {
      answer = await api("image", { bucket: bucket, key: key, process: process });
    } catch (error) {
      if (seq === state.renderSeq) clearRendered(error.message);
      return;
    }
    if (seq !== state.renderSeq) return;
    playgroundError("");
    const image = $("pg-rendered");
    image.dataset.state = "loading";
    $("pg-rendered-size").textContent = "rendering…";
    image.src = answer.url;
    $("pg-url").textContent = answer.url;
    $("pg-cli").textContent = answer.cli;
    $("pg-sdk").textContent = answer.sdk;
  }

  function buildProcess() {
    const pieces = [];
    const number = (id, suffix) => { const value = $(id).value.trim(); if (value) pieces.push(value + suffix); };
    number("pg-width", "w");
    number("pg-height", "h");
    if ($("pg-mode").value) pieces.push($("pg-mode").value + "e");
    if ($("pg-crop").checked) pieces.push("1c");
    number("pg-rotate", "r");
    number("pg-quality", "q");
    const format = $("pg-format").value;
    $("pg-process").value = pieces.join("_") + (format ? "." + format : "");
    render();
  }

  function setUpPlayground() {
    if (!imageService) {
      playgroundError("This server runs no image service (it was started with --no-image-service).");
      $("pg-render").disabled = true;
    }
    const original = $("pg-original");
    original.addEventListener("load", () => {
      original.dataset.state = "loaded";
      $("pg-original-size").textContent = original.naturalWidth + " × " + original.naturalHeight;
    });
    original.addEventListener("error", () => { if (original.getAttribute("src")) original.dataset.state = "error"; });
    const rendered = $("pg-rendered");
    rendered.addEventListener("load", () => {
      rendered.dataset.state = "loaded";
      $("pg-rendered-size").textContent = rendered.naturalWidth + " × " + rendered.naturalHeight;
    });
    rendered.addEventListener("error", () => {
      if (!rendered.getAttribute("src")) return;
      rendered.dataset.state = "error";
      $("pg-rendered-size").textContent = "";
      playgroundError("The image service would not render this (a source that is no image, or a result past its limits). " +
        "Open the URL below to read its S3 error.");
    });
    $("pg-bucket").addEventListener("change", async () => { await loadImageKeys(); render(); });
    $("pg-key").addEventListener("change", render);
    $("pg-render").addEventListener("click", render);
    $("pg-build").addEventListener("click", buildProcess);
    let timer = null;
    $("pg-process").addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(render, 350); });
    $("pg-process").addEventListener("keydown", (event) => {
      if (event.key === "Enter") { clearTimeout(timer); render(); }
    });
  }

  // MARK: start

  async function logout() {
    await fetch("/_console/logout", {
      method: "POST", credentials: "same-origin", headers: { "X-MSS-Console-CSRF": csrf },
    }).catch(() => {});
    location.assign("/_console/");
  }

  document.addEventListener("DOMContentLoaded", async () => {
    for (const tab of document.querySelectorAll(".tab")) {
      tab.addEventListener("click", async () => {
        show(tab.dataset.view);
        if (tab.dataset.view === "playground" && !$("pg-key").options.length) {
          if (!$("pg-bucket").value && state.bucket) $("pg-bucket").value = state.bucket;
          await loadImageKeys();
        }
      });
    }
    $("logout").addEventListener("click", logout);
    $("refresh").addEventListener("click", async () => {
      await loadBuckets().catch((error) => notice(error.message, true));
      if (state.bucket) await openBucket(state.bucket, state.prefix);
    });
    $("more").addEventListener("click", () => loadObjects().catch((error) => notice(error.message, true)));
    $("new-bucket").addEventListener("submit", createBucket);
    $("details-close").addEventListener("click", () => $("details").close());
    setUpDropZone();
    setUpPlayground();
    try {
      await loadBuckets();
      if (state.buckets.length) await openBucket(state.buckets[0].name, "");
      document.body.dataset.ready = "yes";
    } catch (error) {
      notice(error.message, true);
      document.body.dataset.ready = "error";
    }
  });
})();
"""#
}
