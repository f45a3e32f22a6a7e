// One space of a drawing at a time: model space, or the active paper space layout (the sheet
// with its frame, title block and as-built stamp). dxf-viewer draws both spaces on top of each
// other; with `sceneOptions.space` set to "model" or "paper" only the top-level entities of that
// space are kept (entities inside block definitions are never in a space of their own).
import {DxfScene} from "dxf-viewer/src/DxfScene.js"

const build = DxfScene.prototype.Build
const filter = DxfScene.prototype._FilterEntity

DxfScene.prototype.Build = function (dxf, fontFetchers) {
    this.topLevel = new Set(dxf.entities)
    return build.call(this, dxf, fontFetchers)
}

DxfScene.prototype._FilterEntity = function (entity) {
    const space = this.options.space
    if (space && this.topLevel && this.topLevel.has(entity)) {
        if ((space === "paper") !== Boolean(entity.inPaperSpace)) {
            return false
        }
    }
    return filter.call(this, entity)
}
