// Zoom and pan of each drawing preview: wheel zooms about the pointer, drag pans, the buttons
// zoom about the centre or fit the sheet. The SVG keeps its vectors, so zooming stays sharp.
document.querySelectorAll("section.drawing").forEach(function (section) {
  var viewer = section.querySelector(".viewer");
  if (!viewer) { return; }
  var img = viewer.querySelector("img");
  var view = { scale: 1, x: 0, y: 0 };
  function apply() {
    img.style.transform = "translate(" + view.x + "px," + view.y + "px) scale(" + view.scale + ")";
    viewer.dataset.scale = view.scale.toFixed(3);
  }
  function fit() {
    var w = img.naturalWidth || 1, h = img.naturalHeight || 1;
    img.style.width = w + "px";
    view.scale = Math.min(viewer.clientWidth / w, viewer.clientHeight / h);
    view.x = (viewer.clientWidth - w * view.scale) / 2;
    view.y = (viewer.clientHeight - h * view.scale) / 2;
    apply();
  }
  function zoom(factor, cx, cy) {
    var next = Math.min(Math.max(view.scale * factor, 0.05), 200);
    factor = next / view.scale;
    view.x = cx - (cx - view.x) * factor;
    view.y = cy - (cy - view.y) * factor;
    view.scale = next;
    apply();
  }
  img.addEventListener("load", fit);
  if (img.complete) { fit(); }
  viewer.addEventListener("wheel", function (event) {
    event.preventDefault();
    var box = viewer.getBoundingClientRect();
    zoom(event.deltaY < 0 ? 1.25 : 0.8, event.clientX - box.left, event.clientY - box.top);
  }, { passive: false });
  var drag = null;
  viewer.addEventListener("pointerdown", function (event) {
    drag = { x: event.clientX - view.x, y: event.clientY - view.y };
    viewer.setPointerCapture(event.pointerId);
    viewer.classList.add("dragging");
  });
  viewer.addEventListener("pointermove", function (event) {
    if (!drag) { return; }
    view.x = event.clientX - drag.x;
    view.y = event.clientY - drag.y;
    apply();
  });
  viewer.addEventListener("pointerup", function () { drag = null; viewer.classList.remove("dragging"); });
  section.querySelectorAll("[data-zoom]").forEach(function (button) {
    button.addEventListener("click", function () {
      var action = button.dataset.zoom;
      if (action === "fit") { fit(); return; }
      zoom(action === "in" ? 1.5 : 1 / 1.5, viewer.clientWidth / 2, viewer.clientHeight / 2);
    });
  });
  section.querySelectorAll(".layout-tabs button").forEach(function (tab) {
    tab.addEventListener("click", function () {
      section.querySelectorAll(".layout-tabs button").forEach(function (other) {
        other.setAttribute("aria-pressed", other === tab ? "true" : "false");
      });
      img.src = tab.dataset.svg;
    });
  });
});
