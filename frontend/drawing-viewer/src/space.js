// One space of a drawing at a time, as a CAD program's 模型 / 布局 tabs show it. dxf-viewer draws
// model space and the active paper-space layout on top of each other and no other layout.
// `sceneOptions.space` chooses:
//   "model"  the top-level entities not in paper space;
//   "paper"  the active layout's (in ENTITIES, flagged as paper space);
//   a layout block's name (e.g. "*PAPER_SPACE0"): that layout, whose entities are the block's
//            definition in BLOCKS; they are drawn as top-level entities and the block itself is
//            not prepared (nothing inserts it).
// Entities inside block definitions are never in a space of their own.
import {DxfScene} from "dxf-viewer/src/DxfScene.js"

const build = DxfScene.prototype.Build
const filter = DxfScene.prototype._FilterEntity

function layoutBlock(dxf, space) {
    const wanted = space.toUpperCase()
    return Object.keys(dxf.blocks || {}).find(name => name.toUpperCase() === wanted)
}

DxfScene.prototype.Build = function (dxf, fontFetchers) {
    const space = this.options.space
    if (space && space !== "model" && space !== "paper") {
        const name = layoutBlock(dxf, space)
        const blocks = {...dxf.blocks}
        const entities = name ? blocks[name].entities || [] : []
        delete blocks[name]
        dxf = {...dxf, blocks, entities}
        this.wholeLayout = true
    }
    this.topLevel = new Set(dxf.entities)
    return build.call(this, dxf, fontFetchers)
}

DxfScene.prototype._FilterEntity = function (entity) {
    const space = this.options.space
    if (space && !this.wholeLayout && this.topLevel && this.topLevel.has(entity)) {
        if ((space === "paper") !== Boolean(entity.inPaperSpace)) {
            return false
        }
    }
    return filter.call(this, entity)
}
