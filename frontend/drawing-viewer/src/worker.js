// The web worker that fetches, parses and prepares a drawing off the page's thread.
import "./space.js"
import {DxfViewer} from "dxf-viewer"

DxfViewer.SetupWorker()
