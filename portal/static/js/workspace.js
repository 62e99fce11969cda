/* The archivists' workspace: resumable uploads, live jobs, programme offsets, transcript editor.
   No framework: each feature starts only when its element is on the page. */
(function () {
  "use strict";

  var csrfToken = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  function clock(seconds) {
    seconds = Math.max(0, Math.floor(seconds || 0));
    var h = Math.floor(seconds / 3600), m = Math.floor(seconds / 60) % 60, s = seconds % 60;
    return h + ":" + String(m).padStart(2, "0") + ":" + String(s).padStart(2, "0");
  }

  function sleep(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  function errorMessage(body, fallback) {
    return (body && body.error && body.error.message) || fallback;
  }

  /* ---------- Player: current time, "start here" ---------- */

  var player = document.getElementById("player");
  if (player) {
    var timeOut = document.getElementById("player-time");
    player.addEventListener("timeupdate", function () {
      if (timeOut) timeOut.textContent = clock(player.currentTime);
    });
    document.querySelectorAll(".ws-start-here").forEach(function (button) {
      button.addEventListener("click", function () {
        var input = button.parentElement.querySelector("input");
        input.value = clock(player.currentTime);
        input.dispatchEvent(new Event("change", { bubbles: true }));
      });
    });
  }

  /* ---------- Jobs and uploads: refresh the rows, often while something is under way ---------- */

  var BUSY = ["queued", "running", "uploading", "received", "processing"]
    .map(function (state) { return 'tr[data-state="' + state + '"]'; }).join(", ");
  var liveTables = Array.prototype.slice.call(document.querySelectorAll("table[data-rows]"));
  var refreshRows = function (table) {
    if (document.hidden) { return Promise.resolve(); }
    return fetch(table.dataset.rows, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) { table.tBodies[0].innerHTML = html; })
      .catch(function () { /* the next round tries again */ });
  };
  liveTables.forEach(function (table) {
    var round = function () {
      var delay = table.querySelector(BUSY) ? 2000 : 10000;
      refreshRows(table).finally(function () { setTimeout(round, delay); });
    };
    setTimeout(round, 2000);
  });
  // An upload that just finished shows in the list at once, not at the next round.
  document.addEventListener("ws:uploaded", function () { liveTables.forEach(refreshRows); });

  /* ---------- Upload: create, then PATCH chunks at the server's offset; resume on errors ---------- */

  var uploadForm = document.getElementById("upload-form");
  if (uploadForm) {
    var sessionSelect = document.getElementById("session");
    var newSession = document.getElementById("new-session");
    var list = document.getElementById("upload-list");
    var chunkBytes = parseInt(uploadForm.dataset.chunkBytes, 10);
    var toggleNew = function () { newSession.hidden = sessionSelect.value !== ""; };
    sessionSelect.addEventListener("change", toggleNew);
    toggleNew();

    var sendChunk = function (url, offset, blob, onProgress) {
      return new Promise(function (resolve, reject) {
        var xhr = new XMLHttpRequest();
        xhr.open("PATCH", url);
        xhr.setRequestHeader("Content-Type", "application/offset+octet-stream");
        xhr.setRequestHeader("Upload-Offset", String(offset));
        xhr.setRequestHeader("X-CSRFToken", csrfToken);
        xhr.upload.onprogress = function (e) { onProgress(offset + e.loaded); };
        xhr.onload = function () {
          var body = null;
          try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
          resolve({ status: xhr.status, body: body, offset: xhr.getResponseHeader("Upload-Offset") });
        };
        xhr.onerror = function () { reject(new Error("network")); };
        xhr.send(blob);
      });
    };

    var serverOffset = function (url) {
      return fetch(url, { method: "HEAD", credentials: "same-origin", cache: "no-store" })
        .then(function (r) {
          if (!r.ok) throw new Error("status " + r.status);
          return parseInt(r.headers.get("Upload-Offset"), 10);
        });
    };

    var row = function (file) {
      var li = document.createElement("li");
      li.className = "ws-upload-item";
      li.innerHTML = '<span class="name"></span> <progress max="100" value="0"></progress> ' +
        '<span class="percent">0 %</span> <span class="state" role="status"></span>';
      li.querySelector(".name").textContent = file.name;
      list.appendChild(li);
      return {
        li: li,
        progress: function (bytes) {
          var pct = file.size ? Math.floor(bytes * 100 / file.size) : 100;
          li.querySelector("progress").value = pct;
          li.querySelector(".percent").textContent = pct + " %";
        },
        say: function (text, kind) {
          var state = li.querySelector(".state");
          state.textContent = text;
          li.dataset.state = kind || "";
        },
        link: function (href, text) {
          var a = document.createElement("a");
          a.href = href; a.textContent = text;
          li.querySelector(".state").append(" ", a);
        },
      };
    };

    var waitUntilProcessed = async function (status, ui) {
      while (status.state === "received" || status.state === "processing") {
        ui.say(uploadForm.dataset.msgChecking, "received");
        await sleep(2000);
        var r = await fetch(status.url, { credentials: "same-origin" });
        if (r.ok) status = await r.json();
      }
      return status;
    };

    var uploadFile = async function (file, fields, ui) {
      var created = await fetch(uploadForm.dataset.create, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken },
        body: JSON.stringify(Object.assign({ filename: file.name, size: file.size }, fields())),
      });
      var status = await created.json().catch(function () { return null; });
      if (!created.ok) throw new Error(errorMessage(status, "refused (" + created.status + ")"));
      var offset = status.offset, failures = 0;
      ui.progress(offset);
      while (offset < file.size) {
        try {
          var end = Math.min(offset + chunkBytes, file.size);
          var reply = await sendChunk(status.url, offset, file.slice(offset, end), ui.progress);
          if (reply.status === 409 && reply.offset !== null) {
            offset = parseInt(reply.offset, 10);  // the server knows better: continue from there
          } else if (reply.status >= 400) {
            throw Object.assign(new Error(errorMessage(reply.body, "error " + reply.status)),
                                { fatal: reply.status < 500 });
          } else {
            offset = parseInt(reply.offset, 10);
            if (reply.body) status = reply.body;
            failures = 0;
          }
          ui.progress(offset);
        } catch (err) {
          if (err.fatal) throw err;
          failures += 1;  // a network error: wait, ask the server where we are, go on
          ui.say(uploadForm.dataset.msgRetrying + " (" + failures + ")", "retrying");
          await sleep(Math.min(30000, 1000 * Math.pow(2, Math.min(failures, 5))));
          try { offset = await serverOffset(status.url); } catch (e) { /* retry */ }
        }
      }
      return status;
    };

    uploadForm.addEventListener("submit", async function (event) {
      event.preventDefault();
      var files = Array.from(document.getElementById("files").files);
      if (!files.length) return;
      var start = document.getElementById("upload-start");
      start.disabled = true;
      var value = function (id) { var el = document.getElementById(id); return el ? el.value : ""; };
      var fields = function () {
        var common = { language: value("language"), model: value("model") };
        if (sessionSelect.value) return Object.assign(common, { session: sessionSelect.value });
        return Object.assign(common, { new_session: {
          title: value("title"), series: value("series"), date: value("date"),
          language: value("session-language"), place: value("place"), programme: value("programme"),
        } });
      };
      for (var i = 0; i < files.length; i++) {
        var ui = row(files[i]);
        try {
          var status = await uploadFile(files[i], fields, ui);
          if (status.session && !sessionSelect.value) {
            // Later files of this batch join the session the first one created.
            var option = new Option(value("title"), status.session, true, true);
            sessionSelect.add(option);
            toggleNew();
          }
          status = await waitUntilProcessed(status, ui);
          if (status.state === "rejected") {
            ui.say(status.error, "rejected");
          } else {
            ui.say(uploadForm.dataset.msgDone, "done");
            ui.link(status.jobs_url, uploadForm.dataset.msgFollow);
          }
          document.dispatchEvent(new Event("ws:uploaded"));
        } catch (err) {
          ui.say(err.message, "rejected");
        }
      }
      start.disabled = false;
    });
  }

  /* ---------- Voices: show where a turn would be split ---------- */

  var splitForm = document.getElementById("voice-split");
  if (splitForm) {
    var splitSegment = document.getElementById("split-segment");
    var splitWord = document.getElementById("split-word");
    var splitPreview = document.getElementById("split-preview");
    var showSplit = function () {
      var li = document.getElementById("seg-" + splitSegment.value);
      var words = li ? (li.dataset.words || "").split(" ").filter(Boolean) : [];
      var n = parseInt(splitWord.value, 10);
      if (words.length) splitWord.max = words.length;
      if (!words.length) {
        splitPreview.textContent = "";
      } else if (n >= 2 && n <= words.length) {
        splitPreview.textContent = "… " + words.slice(Math.max(0, n - 5), n - 1).join(" ") +
          " ‖ " + words.slice(n - 1, n + 4).join(" ") + " …";
      } else {
        splitPreview.textContent = "2–" + words.length;
      }
    };
    splitSegment.addEventListener("input", showSplit);
    splitWord.addEventListener("input", showSplit);
  }

  /* ---------- Transcript editor ---------- */

  var editor = document.getElementById("editor");
  if (editor && !editor.dataset.readOnly) {
    var saveButton = document.getElementById("save-transcript");
    var saveStatus = document.getElementById("save-status");
    var segments = Array.from(editor.querySelectorAll(".ws-segment"));
    var stopAt = null;

    // Only segments touched since the last save are compared: on a 3-hour session
    // (2,700 segments) walking them all on every key press made typing lag.
    var touched = new Set();
    var changes = function () {
      var texts = {}, speakers = {}, verified = [], inserts = {}, count = 0;
      touched.forEach(function (li) {
        if (li.dataset.after !== undefined) {  // typed into a silence: a new segment
          var typed = li.querySelector(".ws-text").value;
          if (typed.trim()) { inserts[li.dataset.after] = typed; count++; }
          return;
        }
        var text = li.querySelector(".ws-text"), speaker = li.querySelector(".ws-speaker");
        if (text.value !== text.defaultValue) { texts[li.dataset.position] = text.value; count++; }
        if (speaker.value !== speaker.dataset.initial) {
          speakers[li.dataset.position] = speaker.value || null; count++;
        }
        if (li.classList.contains("is-confirmed") && text.value === text.defaultValue) {
          verified.push(parseInt(li.dataset.position, 10)); count++;
        }
      });
      return { texts: texts, speakers: speakers, verified: verified, inserts: inserts,
               count: count };
    };
    var saving = false;  // one save at a time: a second would be refused as out of date
    var refresh = function () {
      var c = changes();
      saveButton.disabled = saving || c.count === 0;
      if (!saving) saveStatus.textContent = c.count ? c.count + " ✎" : "";
    };
    var touch = function (event) {
      var li = event.target.closest && event.target.closest(".ws-segment");
      if (li) touched.add(li);
      refresh();
    };
    // Back from a save that removed segments: the cursor returns where it was.
    var back = /^#seg-(\d+)$/.exec(window.location.hash);
    if (back && document.getElementById("seg-" + back[1])) {
      document.querySelector("#seg-" + back[1] + " .ws-text").focus();
    }
    var speakerOptions = document.getElementById("speaker-options");
    var fillSpeakers = function (event) {
      var select = event.target;
      if (!select.classList || !select.classList.contains("ws-speaker")) return;
      if (select.dataset.filled || !speakerOptions) return;
      var value = select.value;
      select.replaceChildren(speakerOptions.content.cloneNode(true));
      select.value = value;
      select.dataset.filled = "1";
    };
    editor.addEventListener("focusin", fillSpeakers);
    editor.addEventListener("mousedown", fillSpeakers);
    editor.addEventListener("input", touch);
    editor.addEventListener("change", touch);

    var playSegment = function (li) {
      if (!player) return;
      if (!player.paused && stopAt !== null) { player.pause(); return; }
      player.currentTime = parseInt(li.dataset.start, 10) / 1000;
      stopAt = parseInt(li.dataset.end, 10) / 1000;
      player.play();
    };
    if (player) {
      player.addEventListener("timeupdate", function () {
        if (stopAt !== null && player.currentTime >= stopAt) { player.pause(); stopAt = null; }
      });
    }
    editor.querySelectorAll(".ws-play").forEach(function (button) {
      button.addEventListener("click", function () { playSegment(button.closest(".ws-segment")); });
    });

    // Doubtful words: select the word in its text and play from a second before it.
    var doubts = Array.from(editor.querySelectorAll(".ws-doubt"));
    var openDoubt = function (button) {
      var li = button.closest(".ws-segment"), text = li.querySelector(".ws-text");
      var before = Array.from(li.querySelectorAll(".ws-doubt-line > *"));
      var guess = before.slice(0, before.indexOf(button))
        .reduce(function (n, el) { return n + el.textContent.length + 1; }, 0);
      var word = button.dataset.word, at = text.value.indexOf(word, Math.max(0, guess - 20));
      if (at < 0) at = text.value.indexOf(word);
      text.focus();
      if (at >= 0) text.setSelectionRange(at, at + word.length);
      doubts.forEach(function (d) { d.classList.toggle("is-current", d === button); });
      if (!player) return;
      player.currentTime = Math.max(0, parseInt(button.dataset.at, 10) / 1000 - 1);
      stopAt = parseInt(li.dataset.end, 10) / 1000;
      player.play();
    };
    doubts.forEach(function (button) {
      button.addEventListener("click", function () { openDoubt(button); });
    });

    // Glossary spellings: put the term in place of the words heard, as if typed (then saved
    // with the other corrections). Alt+G takes the focused segment's first offer.
    var useHint = function (button) {
      var text = button.closest(".ws-segment").querySelector(".ws-text");
      var at = text.value.indexOf(button.dataset.heard);
      if (at < 0 || text.readOnly) return;
      text.value = text.value.slice(0, at) + button.dataset.term +
        text.value.slice(at + button.dataset.heard.length);
      text.dispatchEvent(new Event("input", { bubbles: true }));
      text.focus();
      text.setSelectionRange(at, at + button.dataset.term.length);
      button.disabled = true;
    };
    editor.querySelectorAll(".ws-glossary-hint").forEach(function (button) {
      button.addEventListener("click", function () { useHint(button); });
    });
    editor.addEventListener("keydown", function (event) {
      if (!event.altKey || event.code !== "KeyG" || !event.target.classList.contains("ws-text")) return;
      var hint = event.target.closest(".ws-segment").querySelector(".ws-glossary-hint:not(:disabled)");
      if (!hint) return;
      event.preventDefault();
      useHint(hint);
    });
    var nextDoubt = function (from) {
      var li = from && from.closest && from.closest(".ws-segment");
      var current = editor.querySelector(".ws-doubt.is-current");
      var start = current ? doubts.indexOf(current) + 1 : 0;
      if (!current && li) {  // from the segment being edited: its first doubt, or the next one's
        var here = segments.indexOf(li);
        start = doubts.findIndex(function (d) {
          return segments.indexOf(d.closest(".ws-segment")) >= here;
        });
      }
      return doubts[start >= 0 ? start : doubts.length] || doubts[0];
    };

    var save = function () {
      var c = changes();
      if (!c.count || saving) return;
      saving = true;
      saveButton.disabled = true;
      saveStatus.textContent = "…";
      fetch(editor.dataset.save, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken },
        body: JSON.stringify({ base_version: parseInt(editor.dataset.version, 10),
                               texts: c.texts, speakers: c.speakers, verified: c.verified,
                               inserts: c.inserts }),
      }).then(function (r) {
        return r.json().then(function (body) { return { ok: r.ok, body: body }; });
      }).then(function (reply) {
        saving = false;
        if (!reply.ok) throw new Error(errorMessage(reply.body, "not saved"));
        saveStatus.textContent = "✓ v" + reply.body.version;
        // An emptied segment was removed: the segments after it moved up, so the page is redrawn.
        var gone = Object.keys(c.texts).filter(function (at) { return !c.texts[at].trim(); })
          .map(function (at) { return parseInt(at, 10); });
        if (gone.length || Object.keys(c.inserts).length) {
          // Come back to the segment being edited (or the one after a removed one).
          var here = document.activeElement && document.activeElement.closest
            && document.activeElement.closest(".ws-segment");
          // Where it stands among the old positions: a new segment sits half-way after its own.
          var at = !here ? 0 : here.dataset.after !== undefined
            ? parseInt(here.dataset.after, 10) + 0.5 : parseInt(here.dataset.position, 10);
          var number = 1 + Math.ceil(at) - gone.filter(function (p) { return p < at; }).length
            + Object.keys(c.inserts).filter(function (a) { return parseInt(a, 10) + 0.5 < at; }).length;
          touched.clear();  // saved: nothing to warn about on the way out
          history.replaceState(null, "", "#seg-" + number);
          window.location.reload();
          return;
        }
        // What was sent is the new baseline; a key typed while saving stays a change.
        touched.forEach(function (li) {
          if (li.dataset.after !== undefined) return;  // a new segment left empty: not sent
          var at = li.dataset.position;
          var text = li.querySelector(".ws-text"), speaker = li.querySelector(".ws-speaker");
          var confirmed = c.verified.indexOf(parseInt(at, 10)) >= 0;
          if (at in c.texts || confirmed) markVerified(li);
          if (at in c.texts) text.defaultValue = c.texts[at];
          if (at in c.speakers) speaker.dataset.initial = c.speakers[at] || "";
          if (confirmed) {
            li.classList.remove("is-confirmed");
            var pendingMark = li.querySelector(".ws-badge-pending");
            if (pendingMark) pendingMark.remove();
          }
          if (text.value === text.defaultValue && speaker.value === speaker.dataset.initial
              && !li.classList.contains("is-confirmed")) {
            touched.delete(li);
          }
        });
        if (changes().count) refresh();  // else the status keeps saying it was saved
        editor.dataset.version = reply.body.version;
        var badge = document.getElementById("version-badge");
        if (badge) badge.textContent = badge.dataset.label.replace("999999", reply.body.version);
        document.querySelectorAll('input[name="base_version"]').forEach(function (input) {
          input.value = reply.body.version;
        });
      }).catch(function (err) {
        saving = false;
        saveStatus.textContent = err.message;
        saveButton.disabled = false;
      });
    };
    saveButton.addEventListener("click", save);

    // A corrected segment is verified now: its badge says so without a reload.
    function markVerified(li) {
      li.classList.add("is-verified");
      var badge = li.querySelector(".ws-badge");
      if (!badge) {
        badge = document.createElement("span");
        li.querySelector(".ws-speaker").after(badge);
      }
      badge.className = "ws-badge ws-badge-public";
      badge.textContent = editor.dataset.labelVerified;
    }

    // Splitting and joining segments store a version and reload the page (a plain form post).
    var postForm = function (action, fields) {
      var form = document.createElement("form");
      form.method = "post";
      form.action = action;
      form.hidden = true;
      fields.csrf_token = csrfToken;
      fields.base_version = editor.dataset.version;
      Object.keys(fields).forEach(function (name) {
        var input = document.createElement("input");
        input.type = "hidden";
        input.name = name;
        input.value = fields[name];
        form.appendChild(input);
      });
      document.body.appendChild(form);
      form.submit();
    };
    var structural = function (li, fields, action) {
      if (changes().count) { saveStatus.textContent = editor.dataset.msgSaveFirst; return; }
      fields.segment = parseInt(li.dataset.position, 10) + 1;
      postForm(action, fields);
    };
    var splitAtCursor = function (li) {
      if (changes().count) { saveStatus.textContent = editor.dataset.msgSaveFirst; return; }
      var text = li.querySelector(".ws-text");
      var words = (li.dataset.words || "").split(" ").filter(Boolean);
      var tokens = text.value.trim().split(/\s+/).filter(Boolean);
      var before = text.value.slice(0, text.selectionStart).trim().split(/\s+/).filter(Boolean).length;
      if (tokens.length !== words.length || before < 1 || before >= words.length) {
        saveStatus.textContent = editor.dataset.msgNoSplit;
        return;
      }
      var speaker = li.querySelector(".ws-speaker");
      var who = li.dataset.voice ? "voice:" + li.dataset.voice : (speaker.dataset.initial || "");
      structural(li, { word: before + 1, who: who }, editor.dataset.split);
    };
    var nudge = function (seconds) {
      if (!player) return;
      player.currentTime = Math.max(0, player.currentTime + seconds);
      stopAt = null;
      player.play();
    };
    var rate = function (step) {
      if (!player) return;
      player.playbackRate = Math.min(2, Math.max(0.5, Math.round((player.playbackRate + step) * 10) / 10));
      saveStatus.textContent = "× " + player.playbackRate.toFixed(1);
    };

    editor.addEventListener("keydown", function (event) {
      var li = event.target.closest && event.target.closest(".ws-segment");
      var inText = li && event.target.classList.contains("ws-text");
      if (event.altKey && event.key === "Enter" && inText) {
        event.preventDefault();
        splitAtCursor(li);
        return;
      }
      if (event.altKey && event.key === "Backspace" && inText
          && event.target.selectionStart === 0 && event.target.selectionEnd === 0) {
        event.preventDefault();
        structural(li, {}, editor.dataset.join);
        return;
      }
      if (event.ctrlKey && event.code === "Space" && li) {
        event.preventDefault();
        playSegment(li);
      } else if (event.altKey && event.code === "KeyI" && li && li.dataset.after === undefined) {
        // Said but not heard: a new segment in the silence after this one, typed here.
        event.preventDefault();
        var following = segments[segments.indexOf(li) + 1];
        if (following && following.dataset.after === li.dataset.position) {
          following.querySelector(".ws-text").focus();  // one new segment per silence
          return;
        }
        var fresh = document.createElement("li");
        fresh.className = "ws-segment is-new";
        fresh.dataset.after = li.dataset.position;
        // The silence it fills, so Ctrl+Space plays what was said there.
        fresh.dataset.start = li.dataset.end;
        fresh.dataset.end = following
          ? following.dataset.start : String(parseInt(li.dataset.end, 10) + 10000);
        var head = document.createElement("div");
        head.className = "ws-segment-head";
        head.textContent = editor.dataset.labelNew;
        var area = document.createElement("textarea");
        area.className = "ws-text";
        area.rows = 2;
        area.setAttribute("aria-label", editor.dataset.labelNew);
        fresh.append(head, area);
        li.after(fresh);
        segments.splice(segments.indexOf(li) + 1, 0, fresh);
        touched.add(fresh);
        area.focus();
      } else if (event.altKey && event.code === "KeyV" && li && li.dataset.after === undefined) {
        // Heard it, nothing to change: verified as it stands (on save), and on to the next.
        event.preventDefault();
        if (!li.classList.contains("is-verified")) {
          var pending = li.classList.toggle("is-confirmed");
          touched.add(li);
          var mark = li.querySelector(".ws-badge-pending");
          if (pending && !mark) {
            mark = document.createElement("span");
            mark.className = "ws-badge ws-badge-pending";
            mark.textContent = editor.dataset.labelConfirmed;
            li.querySelector(".ws-speaker").after(mark);
          } else if (!pending && mark) {
            mark.remove();
          }
          refresh();
        }
        var after = segments[segments.indexOf(li) + 1];
        if (after && li.classList.contains("is-confirmed")) after.querySelector(".ws-text").focus();
      } else if (event.altKey && (event.key === "ArrowDown" || event.key === "ArrowUp") && li) {
        event.preventDefault();
        var next = segments[segments.indexOf(li) + (event.key === "ArrowDown" ? 1 : -1)];
        if (next) next.querySelector(".ws-text").focus();
      }
    });
    document.addEventListener("keydown", function (event) {
      if ((event.ctrlKey || event.metaKey) && event.key === "s") {
        event.preventDefault();
        save();
      } else if (event.altKey && event.code === "KeyN" && doubts.length) {
        event.preventDefault();  // from anywhere on the page: the next doubtful word
        openDoubt(nextDoubt(event.target));
      } else if (event.altKey && event.code === "KeyR") {
        event.preventDefault();
        nudge(-3);
      } else if (event.altKey && (event.code === "Comma" || event.code === "Period")) {
        event.preventDefault();
        rate(event.code === "Comma" ? -0.1 : 0.1);
      }
    });
    window.addEventListener("beforeunload", function (event) {
      if (changes().count) { event.preventDefault(); event.returnValue = ""; }
    });
  }
})();
