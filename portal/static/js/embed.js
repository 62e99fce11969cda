/* The embeddable player: starts at data-start-ms (the media fragment #t= does it too),
 * pauses at data-end-ms, shows the caption being said under the video and keeps the
 * link to the full session at the current second. Plain JavaScript, no build step. */
(function () {
  "use strict";

  var root = document.getElementById("embed");
  var video = document.getElementById("player");
  if (!root || !video) return;
  var startMs = root.dataset.startMs === "" ? null : +root.dataset.startMs;
  var endMs = root.dataset.endMs === "" ? null : +root.dataset.endMs;
  var pageUrl = root.dataset.sessionUrl;
  var link = document.getElementById("session-link");
  var linkTime = document.getElementById("link-time");
  var lineBox = document.getElementById("line");
  var lineSpeaker = document.getElementById("line-speaker");
  var lineText = document.getElementById("line-text");
  var shownSecond = -1;

  function clock(totalSeconds) { // as the server's short clock: m:ss, or h:mm:ss
    var h = Math.floor(totalSeconds / 3600), m = Math.floor(totalSeconds / 60) % 60, s = totalSeconds % 60;
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return h ? h + ":" + pad(m) + ":" + pad(s) : m + ":" + pad(s);
  }

  function seekToStart() {
    if (startMs !== null && Math.abs(video.currentTime * 1000 - startMs) > 250) {
      video.currentTime = startMs / 1000;
    }
  }

  if (video.readyState >= 1) seekToStart();
  else video.addEventListener("loadedmetadata", seekToStart, { once: true });

  video.addEventListener("timeupdate", function () {
    if (endMs !== null && video.currentTime * 1000 >= endMs) {
      video.pause();
      endMs = null; // the clip is over; playing on is the viewer's choice
    }
    var second = Math.floor(video.currentTime);
    if (second === shownSecond) return;
    shownSecond = second;
    link.href = pageUrl + (second ? "?t=" + second : "");
    linkTime.textContent = clock(second);
  });

  /* The captions track drives the line under the video (and not the picture: once is enough).
   * A cue is "<v Speaker>text" (WebVTT voice tag); it is shown as text, never as HTML. */
  var track = video.textTracks && video.textTracks[0];
  if (!track) return;
  track.mode = "hidden";
  track.addEventListener("cuechange", function () {
    var cue = track.activeCues && track.activeCues[0];
    if (!cue) return; // between lines the last one stays, as on the session page
    var voice = /^<v(?:\.[^\s>]*)?\s+([^>]*)>/.exec(cue.text);
    lineSpeaker.textContent = voice ? voice[1] : "";
    lineText.textContent = cue.text.replace(/<[^>]*>/g, "").replace(/&amp;/g, "&").replace(/&lt;/g, "<").replace(/&gt;/g, ">").trim();
    lineBox.hidden = false;
  });
})();
