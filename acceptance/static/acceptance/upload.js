// Uploads the chosen files one request each, so each gets its own progress bar, then shows each
// stored file's check result as soon as the server has it. Without JavaScript the form posts
// all files at once and the server answers with the same per-file results.
(function () {
  "use strict";

  function text(tag, className, content) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (content) node.textContent = content;
    return node;
  }

  // The node's declaration counts every file sent except those the server refused (the owner
  // was told why); a file lost on the way still counts, so the node check can say it is missing.
  function declare(file) {
    var count = document.getElementById("id_declared_files");
    if (!count) return;
    count.value = Number(count.value) + 1;
  }

  // The server records each file's checks; while they are pending or running the fragment
  // carries data-poll and is asked again, so what shows is what a reload would show.
  var OK_STATES = ["passed", "warned"];

  function showCheck(row, url) {
    var status = row.querySelector(".file-status");
    var form = row.closest("form");
    status.textContent = form.dataset.checking;
    var request = new XMLHttpRequest();
    request.open("GET", url);
    request.onload = function () {
      var result = row.querySelector(".file-check") || row.appendChild(text("div", "file-check"));
      result.innerHTML = request.responseText;
      var fragment = result.querySelector(".upload-result");
      var poll = fragment && fragment.dataset.poll;
      if (poll) {
        setTimeout(function () { showCheck(row, poll); }, 1500);
        return;
      }
      status.textContent = form.dataset.uploaded;
      var state = fragment ? fragment.dataset.checkState : "";
      row.classList.add(OK_STATES.indexOf(state) >= 0 ? "checked-ok" : "checked-bad");
    };
    request.send();
  }

  function refuse(row, zh, en) {
    row.classList.add("refused");
    row.querySelector(".file-status").textContent = "";
    var message = text("p", "file-error", zh);
    message.appendChild(document.createElement("br"));
    message.appendChild(text("small", "", en));
    row.appendChild(message);
  }

  function uploadOne(form, file, done) {
    var row = text("li", "upload-item");
    row.appendChild(text("span", "file-name", file.name));
    var bar = text("progress", "file-progress");
    bar.max = 100;
    bar.value = 0;
    row.appendChild(bar);
    row.appendChild(text("span", "file-status", "0%"));
    document.getElementById("upload-list").appendChild(row);

    // The item's size limit is known here: a file past it is not sent at all.
    var option = form.elements.catalog_item.selectedOptions[0];
    var limit = Number(option && option.dataset.maxBytes);
    if (limit && file.size > limit) {
      var megabytes = String(Math.round(limit / 1048576));
      refuse(
        row,
        form.dataset.tooLargeZh.replace("{limit}", megabytes),
        form.dataset.tooLargeEn.replace("{limit}", megabytes)
      );
      done();
      return;
    }

    var data = new FormData();
    data.append("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
    data.append("node", form.elements.node.value);
    data.append("catalog_item", form.elements.catalog_item.value);
    data.append("files", file, file.name);

    var request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.setRequestHeader("Accept", "application/json");
    request.upload.onprogress = function (event) {
      if (!event.lengthComputable) return;
      bar.value = Math.round((event.loaded / event.total) * 100);
      row.querySelector(".file-status").textContent = bar.value + "%";
    };
    request.onload = function () {
      var answer;
      try {
        answer = JSON.parse(request.responseText);
      } catch (error) {
        answer = { files: [{ ok: false, message_zh: request.statusText, message_en: "" }] };
      }
      var result = (answer.files && answer.files[0]) || answer;
      bar.value = 100;
      if (result.ok) {
        declare(file);
        row.dataset.material = result.material;
        showCheck(row, result.check_url);
      } else {
        refuse(row, result.message_zh, result.message_en);
      }
      done();
    };
    request.onerror = function () {
      declare(file);
      row.classList.add("refused");
      row.querySelector(".file-status").textContent = form.dataset.errorNetwork;
      done();
    };
    request.send(data);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("upload-form");
    if (!form) return;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var input = document.getElementById("id_files");
      var files = Array.prototype.slice.call(input.files);
      if (!files.length) return;
      var button = document.getElementById("upload-button");
      button.disabled = true;
      var next = 0;
      // One at a time: a 2 GB video does not compete with the small files for the line.
      (function step() {
        if (next >= files.length) {
          button.disabled = false;
          input.value = "";
          return;
        }
        uploadOne(form, files[next++], step);
      })();
    });
  });
})();
