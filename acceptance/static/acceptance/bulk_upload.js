// Bulk upload: a folder, several files or a zip; the server matches each file to a catalog item,
// the owner confirms or corrects the table, then each file is stored in its own request (a
// progress bar per file and for the batch) and its check result shown as soon as it is known.
(function () {
  "use strict";

  var form, rows, batch;

  function el(tag, className, content) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (content !== undefined) node.textContent = content;
    return node;
  }

  function bilingual(node, zh, en) {
    node.textContent = zh;
    if (en) {
      node.appendChild(document.createTextNode(" "));
      node.appendChild(el("small", "", en));
    }
    return node;
  }

  function csrf() { return document.querySelector("[name=csrfmiddlewaretoken]").value; }

  function say(zh, en) {
    var box = document.getElementById("bulk-message");
    box.hidden = !zh;
    if (zh) bilingual(box, zh, en);
  }

  function size(bytes) {
    if (bytes >= 1048576) return (bytes / 1048576).toFixed(1) + " MB";
    return Math.max(1, Math.round(bytes / 1024)) + " KB";
  }

  var HOW = {
    code: ["按编号", "by code"],
    name: ["按名称，请核对", "by name: check it"],
    "": ["未匹配，请选择", "no match: choose"]
  };

  function request(method, url, body, onProgress) {
    return new Promise(function (resolve) {
      var xhr = new XMLHttpRequest();
      xhr.open(method, url);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("X-CSRFToken", csrf());
      if (onProgress) {
        xhr.upload.onprogress = function (event) {
          if (event.lengthComputable) onProgress(event.loaded / event.total);
        };
      }
      xhr.onload = function () {
        var answer;
        try { answer = JSON.parse(xhr.responseText); } catch (error) { answer = {}; }
        answer.status = xhr.status;
        resolve(answer);
      };
      xhr.onerror = function () {
        resolve({ status: 0, message_zh: "网络中断，请重试。", message_en: "the network failed; try again" });
      };
      xhr.send(body);
    });
  }

  function summarise() {
    var counts = { code: 0, name: 0, "": 0, skipped: 0, chosen: 0 };
    rows.forEach(function (row) {
      if (row.skipped) { counts.skipped += 1; return; }
      counts[row.how] += 1;
      if (row.select.value) counts.chosen += 1;
    });
    // Only the counts there are: "按名称匹配 0 个（请核对）" asks the owner to check nothing.
    var zh = [], en = [];
    function part(count, zhWords, enWords) {
      if (count) { zh.push(zhWords.replace("#", count)); en.push(count + " " + enWords); }
    }
    part(counts.code, "按编号匹配 # 个", "by code");
    part(counts.name, "按名称匹配 # 个（请核对）", "by name (check them)");
    part(counts[""], "未匹配 # 个（请选择条目，或不上传）", "unmatched (choose an item or skip)");
    part(counts.skipped, "不接收 # 个", "not taken");
    bilingual(
      document.getElementById("bulk-summary"),
      "共 " + rows.length + " 个文件：" + zh.join("，") + "。将上传 " + counts.chosen + " 个。",
      rows.length + " files: " + en.join(", ") + "; " + counts.chosen + " to upload."
    );
    var confirm = document.getElementById("bulk-confirm");
    confirm.disabled = counts.chosen === 0;
    confirm.textContent = "确认上传 " + counts.chosen + " 个文件 Confirm and upload";
  }

  function review(files) {
    var body = document.getElementById("bulk-rows");
    body.innerHTML = "";
    // In name order, as a file manager lists a folder (A1-2 before A1-10), not in the order the
    // browser or the zip happened to give them; each row keeps its own zip index.
    files = files.slice().sort(function (a, b) {
      return a.path.localeCompare(b.path, "en", { numeric: true });
    });
    rows = files.map(function (file) {
      var tr = el("tr", "bulk-row");
      tr.dataset.path = file.path;
      tr.appendChild(el("td", "bulk-path", file.path));
      tr.appendChild(el("td", "bulk-size", size(file.size)));
      var itemCell = el("td");
      var select = document.getElementById("bulk-item-select").content.firstElementChild.cloneNode(true);
      select.value = file.item || "";
      select.addEventListener("change", function () {
        // The owner's own choice replaces what the match said.
        if (!row.skipped) {
          var chosen = select.value !== (file.item || "");
          var words = chosen ? (select.value ? ["人工选择", "chosen by you"] : ["不上传", "skipped"]) : HOW[row.how];
          bilingual(how, words[0], words[1]);
          how.className = "bulk-how how-" + (chosen ? "manual" : row.how || "none");
        }
        summarise();
      });
      itemCell.appendChild(select);
      tr.appendChild(itemCell);
      var how = el("td", "bulk-how");
      var status = el("td", "bulk-status");
      var row = { tr: tr, select: select, status: status, how: file.how || "", file: file.file,
                  index: file.index, skipped: Boolean(file.skipped_zh) };
      if (row.skipped) {
        select.value = "";
        select.disabled = true;
        tr.classList.add("skipped");
        bilingual(how, "不接收", "not taken");
        bilingual(status, file.skipped_zh, file.skipped_en);
      } else {
        bilingual(how, HOW[row.how][0], HOW[row.how][1]);
        how.classList.add("how-" + (row.how || "none"));
      }
      tr.appendChild(how);
      tr.appendChild(status);
      body.appendChild(tr);
      return row;
    });
    document.getElementById("bulk-review").hidden = false;
    document.getElementById("bulk-progress").hidden = true;
    document.getElementById("bulk-confirm").hidden = false;
    summarise();
  }

  // What was chosen, in the page's words (the browser's own button is hidden).
  function showChosen(input) {
    document.querySelectorAll(".choice").forEach(function (choice) {
      var other = choice.querySelector(".choice-input");
      var caption = choice.querySelector(".choice-chosen");
      var files = other.files ? other.files.length : 0;
      choice.classList.toggle("chosen", other === input && files > 0);
      if (other !== input || !files) {
        caption.textContent = caption.dataset.none;
      } else if (input.id === "bulk-zip") {
        caption.textContent = "已选：" + input.files[0].name;
      } else {
        var first = input.files[0].webkitRelativePath || input.files[0].name;
        var folder = input.id === "bulk-folder" ? first.split("/")[0] + "，" : "";
        caption.textContent = "已选：" + folder + "共 " + files + " 个文件";
      }
    });
  }

  function chooseFiles(list) {
    var files = Array.prototype.slice.call(list);
    say("");
    if (!files.length) return;
    var max = Number(form.dataset.maxFiles);
    if (files.length > max) {
      say("一次最多上传 " + max + " 个文件，所选有 " + files.length + " 个。请按节点或类别分几次上传。",
          "at most " + max + " files at once; " + files.length + " were chosen");
      return;
    }
    var paths = files.map(function (file) { return file.webkitRelativePath || file.name; });
    batch = { kind: "files" };
    request("POST", form.dataset.matchUrl, JSON.stringify({ paths: paths })).then(function (answer) {
      if (answer.status !== 200) { say(answer.message_zh, answer.message_en); return; }
      review(answer.files.map(function (match, n) {
        return { path: match.path, size: files[n].size, item: match.item, how: match.how, file: files[n] };
      }));
    });
  }

  function chooseZip(file) {
    say("");
    if (!file) return;
    var data = new FormData();
    data.append("file", file, file.name);
    var box = document.getElementById("bulk-message");
    request("POST", form.dataset.zipUrl, data, function (share) {
      box.hidden = false;
      bilingual(box, "正在上传压缩包 " + Math.round(share * 100) + "%", "uploading the package");
    }).then(function (answer) {
      if (answer.status !== 200) { say(answer.message_zh, answer.message_en); return; }
      say("");
      batch = { kind: "zip", token: answer.token };
      review(answer.files);
    });
  }

  function showCheck(row, url) {
    fetch(url, { credentials: "same-origin" }).then(function (response) { return response.text(); })
      .then(function (html) {
        var result = el("div", "bulk-check");
        result.innerHTML = html;
        row.status.appendChild(result);
      });
  }

  function storeOne(row) {
    row.status.innerHTML = "";
    var bar = el("progress", "bulk-file-progress");
    bar.max = 100;
    bar.value = 0;
    var text = el("span", "bulk-file-text", "0%");
    row.status.appendChild(bar);
    row.status.appendChild(text);
    var data = new FormData();
    data.append("node", document.getElementById("bulk-node").value);
    data.append("catalog_item", row.select.value);
    var url;
    if (batch.kind === "zip") {
      url = form.dataset.zipUrl + batch.token + "/" + row.index + "/";
      bar.removeAttribute("value");  // unpacked and stored on the server: no bytes to count
      bilingual(text, "解压并保存中…", "unpacking and storing");
    } else {
      url = form.dataset.uploadUrl;
      data.append("files", row.file, row.file.name);
    }
    return request("POST", url, data, function (share) {
      bar.value = Math.round(share * 100);
      text.textContent = bar.value + "%";
    }).then(function (answer) {
      var result = answer.files ? answer.files[0] : answer;
      bar.value = 100;
      row.status.innerHTML = "";
      if (result && result.ok) {
        row.tr.classList.add("stored");
        row.tr.dataset.material = result.material;
        bilingual(row.status.appendChild(el("span", "bulk-ok")), "已保存", "stored");
        showCheck(row, result.check_url);
        return true;
      }
      row.tr.classList.add("refused");
      bilingual(row.status.appendChild(el("span", "bulk-error")),
                (result && result.message_zh) || "未保存", (result && result.message_en) || "not stored");
      return false;
    });
  }

  function confirmBatch() {
    var chosen = rows.filter(function (row) { return row.select.value && !row.skipped; });
    rows.forEach(function (row) { row.select.disabled = true; });
    document.getElementById("bulk-confirm").hidden = true;
    document.getElementById("bulk-progress").hidden = false;
    var total = document.getElementById("bulk-total");
    var totalText = document.getElementById("bulk-total-text");
    var done = 0, stored = 0;
    function tick() {
      total.value = Math.round(100 * done / chosen.length);
      totalText.textContent = done + " / " + chosen.length;
    }
    tick();
    // One file at a time: each request's progress is its own and the server is not flooded.
    return chosen.reduce(function (previous, row) {
      return previous.then(function () {
        return storeOne(row).then(function (ok) {
          done += 1;
          if (ok) stored += 1;
          tick();
        });
      });
    }, Promise.resolve()).then(function () {
      if (batch.kind === "zip") {
        request("POST", form.dataset.zipUrl + batch.token + "/done/", new FormData());
      }
      var finished = document.getElementById("bulk-done");
      finished.hidden = false;
      bilingual(finished, "本批完成：已保存 " + stored + " 个，未保存 " + (chosen.length - stored) + " 个。",
                "batch finished: " + stored + " stored, " + (chosen.length - stored) + " not stored");
      document.getElementById("bulk-review").dataset.finished = "true";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    form = document.getElementById("bulk-choose");
    if (!form) return;
    document.querySelectorAll(".choice-input").forEach(function (input) {
      input.addEventListener("change", function () { showChosen(input); });
    });
    document.getElementById("bulk-folder").addEventListener("change", function (event) {
      chooseFiles(event.target.files);
    });
    document.getElementById("bulk-files").addEventListener("change", function (event) {
      chooseFiles(event.target.files);
    });
    document.getElementById("bulk-zip").addEventListener("change", function (event) {
      chooseZip(event.target.files[0]);
    });
    document.getElementById("bulk-confirm").addEventListener("click", confirmBatch);
    document.getElementById("bulk-cancel").addEventListener("click", function () {
      if (batch && batch.kind === "zip" && !document.getElementById("bulk-review").dataset.finished) {
        request("POST", form.dataset.zipUrl + batch.token + "/done/", new FormData());
      }
      window.location.reload();
    });
  });
})();
