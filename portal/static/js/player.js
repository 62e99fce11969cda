/* Session page: player <-> transcript synchronisation, seeking, chapters, ?t= and #t=.
 * Plain JavaScript, no build step. Lines carry data-s/data-e (ms) and data-w (each
 * word's start relative to the line's), so clicking any word seeks to it. */
(function () {
  "use strict";

  var shell = document.getElementById("session");
  var video = document.getElementById("player");
  var pane = document.getElementById("transcript");
  if (!shell) return;

  /* Off-screen turns (content-visibility: auto) hold about their real height. Set
   * here: a style attribute in the page would need CSP's 'unsafe-inline'. */
  if (pane) {
    Array.prototype.forEach.call(pane.querySelectorAll(".turn[data-h]"), function (turn) {
      turn.style.containIntrinsicSize = "auto " + turn.dataset.h + "px";
    });
  }

  var lines = pane ? Array.prototype.slice.call(pane.querySelectorAll(".ln")) : [];
  var starts = lines.map(function (l) { return +l.dataset.s; });
  var ends = lines.map(function (l) { return +l.dataset.e; });
  var LEAD_IN_MS = 1000; // as the server: in silence, a line this close ahead is "current"
  var chapters = Array.prototype.slice.call(document.querySelectorAll(".chapter[data-s]"));
  var followButton = document.getElementById("follow");
  var nowItem = document.getElementById("now-item");
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var current = pane ? pane.querySelector(".ln.is-current") : null;
  var currentChapter = null;
  var follow = true;
  var clipEndMs = null;
  var focusLine = null;

  /* ---------- time helpers ---------- */

  function indexAt(ms) {
    var lo = 0, hi = starts.length - 1, found = -1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (starts[mid] <= ms) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    var next = found + 1;
    if (next < starts.length && starts[next] - ms <= LEAD_IN_MS && (found < 0 || ms >= ends[found])) return next;
    return found;
  }

  function parseTime(text) {
    if (!text) return null;
    text = String(text).trim().toLowerCase();
    var m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s?)?$/.exec(text);
    if (m && (m[1] || m[2] || m[3])) {
      return Math.round(((+m[1] || 0) * 3600 + (+m[2] || 0) * 60 + (+m[3] || 0)) * 1000);
    }
    if (/^\d+(:\d{1,2}){1,2}(\.\d+)?$/.test(text)) {
      return Math.round(text.split(":").reduce(function (acc, p) { return acc * 60 + (+p); }, 0) * 1000);
    }
    return null;
  }

  /* [[charOffset, relativeMs], ...] per word: data-w holds the words' starts, one per
   * whitespace-separated token of the text (the server sends none when they disagree). */
  function marksOf(line) {
    if (!line._marks) {
      var raw = line.dataset.w, marks = [];
      if (raw) {
        var times = raw.split(" "), re = /\S+/g, text = line.textContent, m, i = 0;
        while ((m = re.exec(text)) && i < times.length) marks.push([m.index, +times[i++]]);
      }
      line._marks = marks;
    }
    return line._marks;
  }

  /* The start (ms) of the word at a character offset of a line. */
  function wordStartAt(line, offset) {
    var base = +line.dataset.s, ms = base, marks = marksOf(line);
    for (var i = 0; i < marks.length && marks[i][0] <= offset; i++) ms = base + marks[i][1];
    return ms;
  }

  /* The start of the first word at or after an offset (where a selection ends), else the line end. */
  function wordEndAt(line, offset) {
    var marks = marksOf(line);
    for (var i = 0; i < marks.length; i++) {
      if (marks[i][0] >= offset) return +line.dataset.s + marks[i][1];
    }
    return +line.dataset.e;
  }

  /* Characters of a line's text before (node, offset). */
  function textOffset(line, node, offset) {
    if (node.nodeType !== Node.TEXT_NODE) {
      if (node === line) {
        var before = 0;
        for (var c = 0; c < offset && c < line.childNodes.length; c++) before += line.childNodes[c].textContent.length;
        return before;
      }
      return 0;
    }
    var walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT), total = 0, n;
    while ((n = walker.nextNode())) {
      if (n === node) return total + offset;
      total += n.length;
    }
    return total;
  }

  function caretAt(x, y) {
    if (document.caretPositionFromPoint) {
      var p = document.caretPositionFromPoint(x, y);
      return p ? { node: p.offsetNode, offset: p.offset } : null;
    }
    if (document.caretRangeFromPoint) {
      var r = document.caretRangeFromPoint(x, y);
      return r ? { node: r.startContainer, offset: r.startOffset } : null;
    }
    return null;
  }

  /* ---------- highlighting and following ---------- */

  function setCurrent(index, forceScroll) {
    var line = index >= 0 ? lines[index] : null;
    var changed = line !== current;
    if (changed) {
      if (current) { current.classList.remove("is-current"); current.removeAttribute("aria-current"); }
      current = line;
      if (line) { line.classList.add("is-current"); line.setAttribute("aria-current", "true"); }
    }
    // Scroll only when the line changes: re-scrolling on every timeupdate would
    // fight a smooth scroll still under way.
    if (line && (forceScroll || (follow && changed))) scrollToLine(line);
  }

  function scrollToLine(line, attempt) {
    if (!pane) return;
    attempt = attempt || 0;
    var paneBox = pane.getBoundingClientRect(), box = line.getBoundingClientRect();
    var delta = box.top - paneBox.top - pane.clientHeight / 3;
    if (Math.abs(delta) < 4) return;
    var jump = attempt > 0 || reduceMotion || Math.abs(delta) > pane.clientHeight;
    if (!jump) { pane.scrollBy({ top: delta, behavior: "smooth" }); return; }
    pane.scrollTop += delta;
    // Turns that just came into view swap their estimated height for their real
    // one (content-visibility), which moves the line: correct on the next frames.
    if (attempt < 3) requestAnimationFrame(function () { scrollToLine(line, attempt + 1); });
  }

  function setFollow(on) {
    follow = on;
    if (followButton) followButton.hidden = on || !current;
  }

  function lineVisible(line) {
    var paneBox = pane.getBoundingClientRect(), box = line.getBoundingClientRect();
    return box.bottom > paneBox.top && box.top < paneBox.bottom;
  }

  function updateChapter(ms) {
    var found = null;
    for (var i = 0; i < chapters.length; i++) if (+chapters[i].dataset.s <= ms) found = chapters[i];
    if (found === currentChapter) return;
    if (currentChapter) { currentChapter.classList.remove("is-current"); currentChapter.removeAttribute("aria-current"); }
    currentChapter = found;
    if (found) {
      found.classList.add("is-current");
      found.setAttribute("aria-current", "true");
      if (nowItem) nowItem.textContent = found.querySelector(".chapter-title").textContent;
    }
  }

  function onTime() {
    var ms = video.currentTime * 1000;
    setCurrent(indexAt(ms), false);
    updateChapter(ms);
    if (clipEndMs !== null && ms >= clipEndMs) {
      video.pause();
      clipEndMs = null;
    }
  }

  /* ---------- seeking ---------- */

  function seek(ms, play) {
    ms = Math.max(0, ms);
    setFollow(true);
    setCurrent(indexAt(ms), true);
    updateChapter(ms);
    if (!video) return;
    var apply = function () {
      video.currentTime = ms / 1000;
      if (play) { var p = video.play(); if (p && p.catch) p.catch(function () {}); }
    };
    if (video.readyState >= 1) apply();
    else video.addEventListener("loadedmetadata", apply, { once: true });
  }

  function seekToLine(line, play) {
    seek(+line.dataset.s, play);
  }

  /* ---------- events ---------- */

  if (video) {
    video.addEventListener("timeupdate", onTime);
    video.addEventListener("seeked", onTime);
    // Captions on by default (the track is "default", but some browsers wait for a user choice).
    var track = video.textTracks && Array.prototype.find.call(video.textTracks, function (t) { return t.kind === "captions"; });
    if (track) track.mode = "showing";
    var rate = document.getElementById("rate");
    if (rate) rate.addEventListener("change", function () { video.playbackRate = +rate.value || 1; });
  }

  if (pane) {
    pane.addEventListener("click", function (event) {
      var link = event.target.closest("[data-seek]");
      if (link) { event.preventDefault(); seek(+link.dataset.seek, true); return; }
      var line = event.target.closest(".ln");
      if (!line) return;
      var selection = window.getSelection();
      if (selection && !selection.isCollapsed && pane.contains(selection.anchorNode)) return;
      var caret = caretAt(event.clientX, event.clientY);
      var ms = caret && line.contains(caret.node)
        ? wordStartAt(line, textOffset(line, caret.node, caret.offset))
        : +line.dataset.s;
      moveFocus(line, false);
      seek(ms, true);
    });

    // The reader scrolled on their own (wheel, touch, scrollbar, keys): stop following
    // until they ask to come back, or scroll back to the line being spoken.
    var userInputAt = -1e9;
    var markInput = function () { userInputAt = performance.now(); };
    pane.addEventListener("wheel", markInput, { passive: true });
    pane.addEventListener("touchmove", markInput, { passive: true });
    pane.addEventListener("pointerdown", function (event) { if (event.target === pane) markInput(); });
    pane.addEventListener("keydown", function (event) {
      if (/^(PageUp|PageDown|ArrowUp|ArrowDown|Home|End| )$/.test(event.key)) markInput();
    });
    pane.addEventListener("scroll", function () {
      if (!current || performance.now() - userInputAt > 1000) return;
      setFollow(lineVisible(current));
    }, { passive: true });

    pane.addEventListener("keydown", function (event) {
      var line = event.target.closest && event.target.closest(".ln");
      if (!line) return;
      var index = lines.indexOf(line), next = null;
      if (event.key === "ArrowDown") next = lines[index + 1];
      else if (event.key === "ArrowUp") next = lines[index - 1];
      else if (event.key === "Home") next = lines[0];
      else if (event.key === "End") next = lines[lines.length - 1];
      else if (event.key === "Enter" || event.key === " ") { event.preventDefault(); seekToLine(line, true); return; }
      else if (event.key === "c" || event.key === "C") {
        if (window.ArchiveCite) { event.preventDefault(); window.ArchiveCite.openLine(line); }
        return;
      } else return;
      event.preventDefault();
      if (next) moveFocus(next, true);
    });
  }

  /* Roving focus: exactly one line is in the tab order. */
  function moveFocus(line, focus) {
    if (focusLine && focusLine !== line) focusLine.setAttribute("tabindex", "-1");
    focusLine = line;
    line.setAttribute("tabindex", "0");
    if (focus) {
      line.focus({ preventScroll: true });
      setFollow(false);
      if (!lineVisible(line)) line.scrollIntoView({ block: "nearest" });
    }
  }

  if (followButton) {
    followButton.addEventListener("click", function () {
      setFollow(true);
      if (current) scrollToLine(current);
    });
  }

  document.querySelectorAll(".chapters [data-seek], .hit-list [data-seek]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      seek(+link.dataset.seek, true);
    });
  });

  /* ---------- captions of a recording without picture ---------- */

  /* Chromium draws no captions over sound alone, or hides them under the controls:
   * the caption track's active cues are drawn in a box of the frame instead, while
   * the viewer's caption setting (the track's mode) says "showing". */
  var captionBox = document.getElementById("audio-captions");
  var captionElement = video && captionBox ? video.querySelector('track[kind="captions"]') : null;
  if (captionElement) {
    var captionTrack = captionElement.track;
    var ENTITIES = { amp: "&", lt: "<", gt: ">", nbsp: "\u00a0", lrm: "\u200e", rlm: "\u200f" };
    var cueLines = function (cue) {
      return cue.text.replace(/<[^>]*>/g, "").replace(/&(amp|lt|gt|nbsp|lrm|rlm);/g, function (_, name) {
        return ENTITIES[name];
      }).split("\n");
    };
    var drawCaptions = function () {
      var active = captionTrack.mode === "showing" && captionTrack.activeCues ? captionTrack.activeCues : [];
      var spans = [];
      Array.prototype.forEach.call(active, function (cue) {
        cueLines(cue).forEach(function (text) {
          var span = document.createElement("span");
          span.textContent = text;
          spans.push(span);
        });
      });
      captionBox.replaceChildren.apply(captionBox, spans);
      captionBox.hidden = !spans.length;
    };
    captionTrack.addEventListener("cuechange", drawCaptions);
    video.textTracks.addEventListener("change", drawCaptions);
    drawCaptions();
  }

  /* ---------- opening at a moment: ?t=, &end=, #t=start,end ---------- */

  function fromHash() {
    var m = /(?:^#|&)t=([^&,]*)(?:,([^&]*))?/.exec(location.hash);
    if (!m) return null;
    var start = parseTime(m[1]) || 0, end = m[2] ? parseTime(m[2]) : null;
    return { start: start, end: end !== null && end > start ? end : null };
  }

  function openAt(moment) {
    clipEndMs = moment.end;
    // A clip link means "play this": try, though the browser may wait for a click.
    seek(moment.start, moment.end !== null);
  }

  var initial = fromHash();
  if (!initial && shell.dataset.startMs !== "") {
    var end = shell.dataset.endMs !== "" ? +shell.dataset.endMs : null;
    initial = { start: +shell.dataset.startMs, end: end };
  }
  if (lines.length) moveFocus(lines[Math.max(0, indexAt(initial ? initial.start : 0))], false);
  if (initial) openAt(initial);
  window.addEventListener("hashchange", function () { var m = fromHash(); if (m) openAt(m); });

  // Used by cite.js.
  window.ArchivePlayer = {
    lines: lines, wordStartAt: wordStartAt, wordEndAt: wordEndAt, textOffset: textOffset,
    currentLine: function () { return focusLine && document.activeElement === focusLine ? focusLine : current || focusLine; },
    seek: seek
  };
})();
