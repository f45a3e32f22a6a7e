// The page side: the viewer component and the colour type its options take, as one global.
import {DxfViewer} from "dxf-viewer"
import {Color, Vector3} from "three"

window.ArchiveDxfViewer = {DxfViewer, Color, Vector3}
