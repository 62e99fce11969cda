/* Quote and cite: select words (or use a line) and get a permalink, a clip link and
 * citations (plain text, BibTeX, CSL-JSON) from the server, each with a copy button. */
(function () {
  "use strict";

  var shell = document.getElementById("session");
  var pane = document.getElementById("transcript");
  var dialog = document.getElementById("cite-dialog");
  var floatButton = document.getElementById("cite-selection");
  var currentButton = document.getElementById("cite-current");
  if (!shell || !pane || !dialog || !window.ArchivePlayer) return;
  var player = window.ArchivePlayer;
  var status = document.getElementById("cite-status");
  var opener = null;

  function apiUrl(start, end) {
    // The template renders the route for version 1, 0-1 ms; swap in the real values.
    var url = shell.dataset.citeApi.replace(/\/1\/0-1$/, "/" + shell.dataset.version + "/" + start + "-" + end);
    // The citation is worded in the page's language, whatever the browser prefers.
    var lang = document.documentElement.lang;
    return lang ? url + "?lang=" + encodeURIComponent(lang) : url;
  }

  /* "0:12:03", as citations write times (hours always shown). */
  function clock(ms) {
    var s = Math.floor(Math.max(0, ms) / 1000);
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return Math.floor(s / 3600) + ":" + pad(Math.floor(s / 60) % 60) + ":" + pad(s % 60);
  }

  function lineOf(node) {
    var el = node && (node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement);
    return el ? el.closest(".ln") : null;
  }

  /* The time span [start, end) of the words the reader selected, or null. */
  function selectedSpan() {
    var sel = window.getSelection();
    if (!sel || sel.isCollapsed || !sel.rangeCount) return null;
    var range = sel.getRangeAt(0);
    if (!pane.contains(range.commonAncestorContainer)) return null;
    var first = lineOf(range.startContainer), last = lineOf(range.endContainer);
    if (!first) first = pane.querySelector(".ln");
    if (!first || !last) {
      var inside = player.lines.filter(function (l) { return range.intersectsNode(l); });
      if (!inside.length) return null;
      first = first || inside[0];
      last = last || inside[inside.length - 1];
    }
    var start = first.contains(range.startContainer)
      ? player.wordStartAt(first, player.textOffset(first, range.startContainer, range.startOffset))
      : +first.dataset.s;
    var end = last.contains(range.endContainer)
      ? player.wordEndAt(last, player.textOffset(last, range.endContainer, range.endOffset))
      : +last.dataset.e;
    if (end <= start) end = +last.dataset.e;
    return end > start ? { start: start, end: end } : null;
  }

  function fill(data) {
    document.getElementById("cite-range").textContent = data.span;
    document.getElementById("cite-quote").textContent = data.quote;
    var who = data.speakers.map(function (p) { return p.affiliation ? p.name + " (" + p.affiliation + ")" : p.name; }).join(", ");
    document.getElementById("cite-source").textContent = [who, data.session_title].filter(Boolean).join(" — ");
    document.getElementById("cite-permalink").value = data.permalink;
    document.getElementById("cite-clip").value = data.clip_url;
    document.getElementById("cite-text").value = data.text;
    document.getElementById("cite-bibtex").value = data.bibtex;
    document.getElementById("cite-csl").value = JSON.stringify([data.csl_json], null, 2);
    document.getElementById("cite-page").href = data.cite_url;
  }

  function open(span) {
    opener = document.activeElement;
    status.textContent = "";
    // The header names the quoted range at once; the server's answer confirms it.
    document.getElementById("cite-range").textContent = clock(span.start) + "–" + clock(span.end);
    dialog.dataset.state = "loading";
    if (!dialog.open) dialog.showModal();
    fetch(apiUrl(span.start, span.end), { headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) { fill(data); dialog.dataset.state = "ready"; })
      .catch(function () { dialog.dataset.state = "error"; status.textContent = dialog.dataset.errorText || "Error"; });
    floatButton.hidden = true;
  }

  function openLine(line) {
    open({ start: +line.dataset.s, end: +line.dataset.e });
  }

  function openFromUi() {
    var span = selectedSpan();
    if (span) { open(span); return; }
    var line = player.currentLine();
    if (line) openLine(line);
  }

  function placeFloat() {
    var sel = window.getSelection();
    if (!selectedSpan()) { floatButton.hidden = true; return; }
    var rect = sel.getRangeAt(0).getBoundingClientRect();
    floatButton.hidden = false;
    var top = window.scrollY + rect.bottom + 8;
    var left = window.scrollX + Math.min(rect.left, document.documentElement.clientWidth - floatButton.offsetWidth - 8);
    floatButton.style.top = top + "px";
    floatButton.style.left = Math.max(8, left) + "px";
  }

  document.addEventListener("selectionchange", function () {
    window.clearTimeout(placeFloat.timer);
    placeFloat.timer = window.setTimeout(placeFloat, 120);
  });
  // Keep the selection when the button is pressed (mousedown would collapse it).
  floatButton.addEventListener("mousedown", function (event) { event.preventDefault(); });
  floatButton.addEventListener("click", openFromUi);
  if (currentButton) currentButton.addEventListener("click", openFromUi);

  dialog.addEventListener("close", function () {
    if (opener && opener.focus) opener.focus();
  });
  dialog.addEventListener("click", function (event) {
    if (event.target === dialog) dialog.close(); // a click on the backdrop
  });

  dialog.querySelectorAll("button.copy").forEach(function (button) {
    button.addEventListener("click", function () {
      var field = document.getElementById(button.dataset.copy);
      var done = function () { status.textContent = button.dataset.doneText || dialog.dataset.copiedText || "Copied"; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, function () { legacyCopy(field); done(); });
      } else { legacyCopy(field); done(); }
    });
  });

  function legacyCopy(field) {
    field.select();
    try { document.execCommand("copy"); } catch (e) { /* the text stays selected for Ctrl+C */ }
  }

  window.ArchiveCite = { openLine: openLine, open: open };
})();
