/* A lesson recording is a WebM picture and an Ogg Opus voice (janus-pp-rec writes one file per track, and no
   muxer is installed with Janus): the voice follows the picture's play, pause, seek and speed. */
(function () {
  "use strict";
  var video = document.getElementById("replay"), audio = document.getElementById("replayaudio");
  if (!video || !audio) return;
  function follow() { if (Math.abs(audio.currentTime - video.currentTime) > 0.3) audio.currentTime = video.currentTime; }
  video.addEventListener("play", function () { follow(); audio.play(); });
  video.addEventListener("pause", function () { audio.pause(); });
  video.addEventListener("seeked", follow);
  video.addEventListener("ratechange", function () { audio.playbackRate = video.playbackRate; });
  video.addEventListener("volumechange", function () { audio.volume = video.volume; audio.muted = video.muted; });
  video.addEventListener("timeupdate", follow);
})();
