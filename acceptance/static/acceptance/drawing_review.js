// The drawing review page's viewer: the DXF drawn in the browser (vendored dxf-viewer, WebGL, a
// web worker parses it), one space at a time (模型 model space or one paper-space layout, tabs as
// a CAD program has them), on a dark canvas as CAD programs use; findings framed as clickable
// boxes that zoom to their spot; layers toggled.
// The view in drawing units is mirrored on the viewer element's data attributes and in
// window.drawingViewer.state(), for tests and for anyone reading the page.
(function () {
  "use strict";
  var configElement = document.getElementById("drawing-viewer-config");
  var element = document.querySelector(".viewer");
  var lib = window.ArchiveDxfViewer;
  if (!lib) { return; }
  if (!configElement || !element) { thumbnails(); return; }
  var config = JSON.parse(configElement.textContent);
  var canvasBox = element.querySelector(".viewer-canvas");
  var marksBox = element.querySelector(".viewer-marks");
  var status = element.querySelector(".viewer-status");
  var layerList = document.querySelector(".layer-list");
  var current = { space: null, loading: null, selected: null, firstViewMs: null, hidden: [] };
  var emptySpaces = {};

  var viewer = new lib.DxfViewer(canvasBox, {
    clearColor: new lib.Color("#1b1f24"),
    autoResize: true,
    antialias: true,
    // Keep the last frame: a page capture (print, screenshot) resizes the page without a redraw.
    preserveDrawingBuffer: true,
    // Keep every CAD colour readable on the dark canvas (black and dark blue lines lightened).
    colorCorrection: true,
    sceneOptions: { space: "model" }
  });

  function say(zh, en) {
    status.innerHTML = "";
    if (!zh) { return; }
    status.appendChild(document.createTextNode(zh + " "));
    var small = document.createElement("small");
    small.textContent = en;
    status.appendChild(small);
  }

  var PHASES = {
    font: ["载入字体", "loading fonts"],
    fetch: ["下载图纸", "downloading the drawing"],
    parse: ["解析图纸", "reading the drawing"],
    prepare: ["准备显示", "preparing the view"]
  };

  function progress(phase, size, total) {
    var words = PHASES[phase] || PHASES.prepare;
    var share = total ? " " + Math.round(100 * size / total) + "%" : "";
    say(words[0] + "…" + share, words[1]);
  }

  function origin() { return viewer.GetOrigin() || { x: 0, y: 0 }; }

  function view() {
    var camera = viewer.GetCamera();
    var o = origin();
    var zoom = camera.zoom || 1;
    return {
      centerX: camera.position.x + o.x,
      centerY: camera.position.y + o.y,
      width: (camera.right - camera.left) / zoom,
      height: (camera.top - camera.bottom) / zoom
    };
  }

  function toScreen(x, y) {
    var camera = viewer.GetCamera();
    var o = origin();
    camera.updateMatrixWorld();
    var point = new lib.Vector3(x - o.x, y - o.y, 0).project(camera);
    return {
      left: (point.x + 1) / 2 * canvasBox.clientWidth,
      top: (1 - point.y) / 2 * canvasBox.clientHeight
    };
  }

  function marksHere() {
    return config.marks.filter(function (mark) { return mark.box && mark.space === current.space; });
  }

  function placeBoxes() {
    var v = view();
    element.dataset.centerX = v.centerX.toFixed(3);
    element.dataset.centerY = v.centerY.toFixed(3);
    element.dataset.viewWidth = v.width.toFixed(3);
    marksBox.querySelectorAll(".finding-box").forEach(function (box) {
      var mark = config.marks[Number(box.dataset.finding) - 1];
      var a = toScreen(mark.box[0], mark.box[3]);
      var b = toScreen(mark.box[2], mark.box[1]);
      box.style.left = Math.min(a.left, b.left) - 4 + "px";
      box.style.top = Math.min(a.top, b.top) - 4 + "px";
      box.style.width = Math.abs(b.left - a.left) + 8 + "px";
      box.style.height = Math.abs(b.top - a.top) + 8 + "px";
    });
  }

  function drawBoxes() {
    marksBox.innerHTML = "";
    marksHere().forEach(function (mark) {
      var box = document.createElement("button");
      box.type = "button";
      box.className = "finding-box" + (mark.result === "warn" ? " warn" : "");
      box.dataset.finding = mark.number;
      box.title = mark.number + ". " + mark.message_zh;
      box.setAttribute("aria-label", "问题 " + mark.number + "：" + mark.message_zh);
      var label = document.createElement("span");
      label.textContent = mark.number;
      box.appendChild(label);
      box.addEventListener("click", function () { goTo(mark.number); });
      marksBox.appendChild(box);
    });
    placeBoxes();
  }

  function listLayers() {
    if (!layerList) { return; }
    layerList.innerHTML = "";
    current.hidden = [];
    viewer.GetLayers(true).forEach(function (layer) {
      var item = document.createElement("li");
      var label = document.createElement("label");
      var box = document.createElement("input");
      box.type = "checkbox";
      box.checked = true;
      box.dataset.layer = layer.name;
      box.addEventListener("change", function () {
        viewer.ShowLayer(layer.name, box.checked);
        current.hidden = current.hidden.filter(function (name) { return name !== layer.name; });
        if (!box.checked) { current.hidden.push(layer.name); }
      });
      var swatch = document.createElement("span");
      swatch.className = "layer-swatch";
      swatch.style.background = "#" + ("000000" + layer.color.toString(16)).slice(-6);
      label.appendChild(box);
      label.appendChild(swatch);
      label.appendChild(document.createTextNode(layer.displayName || layer.name));
      item.appendChild(label);
      layerList.appendChild(item);
    });
  }

  function pressTabs() {
    document.querySelectorAll("[data-space]").forEach(function (tab) {
      tab.setAttribute("aria-pressed", tab.dataset.space === current.space ? "true" : "false");
    });
  }

  function fit() {
    var bounds = viewer.GetBounds();
    if (!bounds) { return; }
    var o = origin();
    viewer.FitView(bounds.minX - o.x, bounds.maxX - o.x, bounds.minY - o.y, bounds.maxY - o.y);
  }

  function load(space) {
    if (current.loading) { return current.loading; }
    current.space = space;
    element.dataset.space = space;
    element.dataset.state = "loading";
    pressTabs();
    marksBox.innerHTML = "";
    viewer.options.sceneOptions = { space: space };
    current.loading = viewer.Load({
      url: config.file,
      fonts: config.fonts,
      progressCbk: progress,
      workerFactory: function () { return new Worker(config.worker); }
    }).then(function () {
      current.loading = null;
      if (!viewer.GetBounds()) {
        emptySpaces[space] = true;
        var other = config.spaces.filter(function (tab) { return !emptySpaces[tab.key]; })[0];
        if (other) { return load(other.key); }
        say("图纸没有可显示的内容。", "The drawing has nothing to show.");
      } else {
        say("", "");
      }
      if (current.firstViewMs === null) {
        current.firstViewMs = Math.round(performance.now());  // since the page was asked for
        element.dataset.firstViewMs = current.firstViewMs;
      }
      element.dataset.state = "ready";
      listLayers();
      drawBoxes();
    }, function (error) {
      current.loading = null;
      element.dataset.state = "error";
      say("无法在浏览器中显示此图纸：" + error, "the browser cannot draw this file");
      throw error;
    });
    return current.loading;
  }

  function select(number) {
    current.selected = number;
    document.querySelectorAll(".findings .finding").forEach(function (item) {
      item.classList.toggle("selected", Number(item.dataset.finding) === number);
    });
    marksBox.querySelectorAll(".finding-box").forEach(function (box) {
      box.classList.toggle("selected", Number(box.dataset.finding) === number);
    });
    element.dataset.selected = number;
  }

  function goTo(number) {
    var mark = config.marks[number - 1];
    if (!mark || !mark.box) { return Promise.resolve(); }
    var ready = mark.space === current.space ? Promise.resolve() : load(mark.space);
    return ready.then(function () {
      var o = origin();
      // The spot fills half the view: half its size again on each side shows its context.
      viewer.FitView(mark.box[0] - o.x, mark.box[2] - o.x, mark.box[1] - o.y, mark.box[3] - o.y, 1);
      select(number);
      element.scrollIntoView({ block: "nearest" });
    });
  }

  viewer.Subscribe("viewChanged", placeBoxes);
  viewer.Subscribe("resized", placeBoxes);
  document.querySelectorAll("[data-space]").forEach(function (tab) {
    tab.addEventListener("click", function () {
      if (tab.dataset.space !== current.space) { load(tab.dataset.space); }
    });
  });
  document.querySelectorAll("[data-action=fit]").forEach(function (button) {
    button.addEventListener("click", fit);
  });
  document.querySelectorAll(".finding-go").forEach(function (button) {
    button.addEventListener("click", function () { goTo(Number(button.dataset.finding)); });
  });

  window.drawingViewer = {
    state: function () {
      var v = element.dataset.state === "ready" ? view() : null;
      return {
        state: element.dataset.state,
        space: current.space,
        selected: current.selected,
        firstViewMs: current.firstViewMs,
        hiddenLayers: current.hidden.slice(),
        view: v
      };
    },
    goTo: goTo
  };

  // First the space where the first located finding is (the stamp and title block are on the
  // sheet), else model space; an empty space gives way to the next tab. The list's missing
  // thumbnails are drawn once the open drawing shows.
  var first = config.marks.filter(function (mark) { return mark.box && mark.space; })[0];
  load(first ? first.space : "model").catch(function () {}).then(thumbnails);

  // Thumbnails of the set's drawings that have no server-rendered preview (not yet rendered,
  // or previews off): drawn here from the DXF by one small viewer, one drawing at a time, and
  // kept in the browser by content hash, so a drawing is drawn once per browser. Text is left
  // out: unreadable at this size, and loading the CJK font would cost more than the drawing.
  // The list's element says when all are there (data-thumbnails="done") and what each took.
  function thumbnails() {
    var list = document.querySelector(".sheet-list");
    var pending = Array.prototype.slice.call(document.querySelectorAll(".thumb-none[data-thumb-file]"));
    if (!list || !pending.length) {
      if (list) { list.dataset.thumbnails = "done"; }
      return Promise.resolve();
    }
    list.dataset.thumbnails = "drawing";
    var box = document.createElement("div");
    box.className = "thumb-render";
    box.setAttribute("aria-hidden", "true");
    document.body.appendChild(box);
    var small = null;

    function show(holder, url, ms) {
      var image = document.createElement("img");
      image.className = "thumb";
      image.alt = "";
      image.src = url;
      image.dataset.drawnMs = ms;
      holder.replaceWith(image);
    }

    // The first of ``spaces`` holding something (see DrawingRow.thumbnail_spaces).
    function draw(url, spaces) {
      if (!spaces.length) { return Promise.resolve(null); }
      small.options.sceneOptions = { space: spaces[0] };
      return small.Load({
        url: url,
        workerFactory: function () { return new Worker(list.dataset.worker); }
      }).then(function () {
        if (!small.GetBounds()) { return draw(url, spaces.slice(1)); }
        return small.GetCanvas().toDataURL("image/png");
      });
    }

    function next() {
      var holder = pending.shift();
      if (!holder) {
        if (small) { small.Destroy(); }
        box.remove();
        list.dataset.thumbnails = "done";
        return Promise.resolve();
      }
      var key = "drawing-thumbnail:" + holder.dataset.thumbKey;
      var kept = null;
      try { kept = window.localStorage.getItem(key); } catch (error) { kept = null; }
      if (kept) {
        show(holder, kept, 0);
        return next();
      }
      small = small || new lib.DxfViewer(box, {
        clearColor: new lib.Color("#1b1f24"),
        autoResize: false,
        antialias: true,
        preserveDrawingBuffer: true,
        colorCorrection: true
      });
      var started = performance.now();
      var spaces = holder.dataset.thumbSpaces.split(" ");
      return draw(holder.dataset.thumbFile, spaces).then(function (url) {
        if (url) {
          show(holder, url, Math.round(performance.now() - started));
          try { window.localStorage.setItem(key, url); } catch (error) { /* full: draw again */ }
        }
      }, function () { /* left as the placeholder: the file's own page says why */ }).then(next);
    }

    return next();
  }
})();
