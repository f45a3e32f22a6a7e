"""A process diagram as SVG, drawn on the server, with a workflow's path and active steps marked.

A BPMN file that carries diagram interchange (BPMN DI) is drawn where its modeller placed each
shape. One without DI (a file written by hand or generated) gets a layered layout computed from
the process graph: each node's column is its longest distance from a start along forward flows
(loops are drawn back underneath), its row band is its lane, and nodes sharing a column in a lane
stack. Subprocesses are drawn collapsed there; their inner steps are named in the tooltip.

The highlight comes from a workflow (usually replayed to a point in its journal): the elements
that completed, the ones active (ready, waiting, started, failed) and the sequence flows the path
actually took, read from SpiffWorkflow's task tree (a task's parent is where it came from).

Every text of the file (names, ids) ends up escaped: the SVG is built as an element tree, never by
pasting strings, so a hostile name is shown, not run.
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

from lxml import etree

from .spiff import ACTIVE_STATES, TaskState

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DI_NS = "http://www.omg.org/spec/DD/20100524/DI"
SVG_NS = "http://www.w3.org/2000/svg"

EVENTS = {
    "startEvent",
    "endEvent",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
    "boundaryEvent",
}
GATEWAYS = {
    "exclusiveGateway",
    "parallelGateway",
    "inclusiveGateway",
    "eventBasedGateway",
    "complexGateway",
}
SUBPROCESSES = {"subProcess", "transaction", "adHocSubProcess"}
ACTIVITIES = {
    "task",
    "userTask",
    "serviceTask",
    "scriptTask",
    "manualTask",
    "sendTask",
    "receiveTask",
    "businessRuleTask",
    "callActivity",
} | SUBPROCESSES
FLOW_NODES = EVENTS | GATEWAYS | ACTIVITIES
GATEWAY_MARKS = {
    "exclusiveGateway": "×",
    "parallelGateway": "+",
    "inclusiveGateway": "○",
    "eventBasedGateway": "◇",
    "complexGateway": "*",
}
TASK_MARKS = {
    "userTask": "人 user",
    "serviceTask": "⚙ service",
    "scriptTask": "script",
    "manualTask": "manual",
    "sendTask": "send",
    "receiveTask": "receive",
    "businessRuleTask": "rule",
    "callActivity": "call",
}

# Sizes of the computed layout, in SVG user units (pixels at 100 %).
TASK_W, TASK_H = 124, 62
EVENT_D = 36
GATEWAY_D = 46
COLUMN = 170
ROW = 104
LANE_LABEL = 34
MARGIN = 16

WORDS = re.compile(r"[\u2e80-\uffff]|[^\s\u2e80-\uffff]+|\s+")

STYLE = """
.bpmn-diagram { font-family: "WenQuanYi Micro Hei", "Noto Sans CJK SC", "Archive CJK", sans-serif; }
.bpmn-diagram .lane rect { fill: #fafafa; stroke: #c8c8c8; }
.bpmn-diagram .lane text { font-size: 14px; fill: #3e4c59; }
.bpmn-diagram .shape { fill: #fff; stroke: #555; stroke-width: 1.5; }
.bpmn-diagram .endEvent .shape { stroke-width: 3.5; }
.bpmn-diagram .label { font-size: 12.5px; fill: #1f2933; }
.bpmn-diagram .mark { font-size: 10px; fill: #52606d; }
.bpmn-diagram .gateway-mark { font-size: 20px; fill: #555; }
.bpmn-diagram .flow path { fill: none; stroke: #9a9a9a; stroke-width: 1.2; }
.bpmn-diagram .flow text { font-size: 11.5px; fill: #52606d; }
.bpmn-diagram .flow.taken path { stroke: #2e7d32; stroke-width: 2.6; }
.bpmn-diagram .completed .shape { fill: #e8f5e9; stroke: #2e7d32; }
.bpmn-diagram .active .shape { fill: #fff3cd; stroke: #d97706; stroke-width: 3.5; }
.bpmn-diagram .failed .shape { fill: #fdecea; stroke: #c62828; stroke-width: 3.5; }
"""


@dataclass
class Node:
    id: str
    kind: str
    name: str
    parent: str | None = None  # the subprocess it sits in; None at the process's top level
    lane: str = ""
    attached_to: str | None = None
    cancels: bool = True
    children: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Flow:
    id: str
    source: str
    target: str
    name: str


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2


@dataclass
class ProcessGraph:
    """The drawable part of one process of a BPMN file, with its diagram interchange if any."""

    process_id: str
    name: str
    nodes: dict[str, Node]
    flows: list[Flow]
    lanes: list[tuple[str, str]]  # (lane id, lane name) in document order, top-level lanes only
    shapes: dict[str, Box]  # BPMN DI bounds by element id (nodes, lanes, participant)
    waypoints: dict[str, list[tuple[float, float]]]  # BPMN DI edges by flow id

    def flow_between(self) -> dict[tuple[str, str], str]:
        return {(flow.source, flow.target): flow.id for flow in self.flows}

    @property
    def has_di(self) -> bool:
        return bool(self.nodes) and all(node_id in self.shapes for node_id in self.top_level())

    def top_level(self) -> list[str]:
        return [node.id for node in self.nodes.values() if node.parent is None]


@dataclass(frozen=True)
class Highlight:
    """What a workflow did: completed and active elements, failed ones, the flows it took."""

    completed: frozenset[str] = frozenset()
    active: frozenset[str] = frozenset()
    failed: frozenset[str] = frozenset()
    taken: frozenset[str] = frozenset()


class DiagramError(Exception):
    """The BPMN file has no process of the given id."""


def _local(tag) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _parse(bpmn_xml: str | bytes):
    data = bpmn_xml.encode("utf-8") if isinstance(bpmn_xml, str) else bpmn_xml
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    return etree.fromstring(data, parser)


def _lanes(process) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """The process's own top-level lanes, and each flow node's lane (nested lanes included)."""
    lanes, lane_of = [], {}
    for lane_set in process.findall(f"{{{BPMN_NS}}}laneSet"):
        for lane in lane_set.findall(f"{{{BPMN_NS}}}lane"):
            lane_id = lane.get("id", "")
            lanes.append((lane_id, lane.get("name") or lane_id))
            for ref in lane.iter(f"{{{BPMN_NS}}}flowNodeRef"):
                lane_of.setdefault((ref.text or "").strip(), lane_id)
    return lanes, lane_of


def _collect(container, parent, lane_of, nodes: dict[str, Node], flows: list[Flow]) -> None:
    for child in container:
        kind = _local(child.tag)
        element_id = child.get("id", "")
        if kind == "sequenceFlow":
            flows.append(
                Flow(element_id, child.get("sourceRef", ""), child.get("targetRef", ""),
                     child.get("name", ""))
            )  # fmt: skip
        elif kind in FLOW_NODES and element_id:
            node = Node(
                id=element_id,
                kind=kind,
                name=(child.get("name") or "").strip(),
                parent=parent,
                lane=lane_of.get(element_id, ""),
                attached_to=child.get("attachedToRef"),
                cancels=child.get("cancelActivity", "true").lower() != "false",
            )
            nodes[element_id] = node
            if parent is not None:
                nodes[parent].children.append(element_id)
            if kind in SUBPROCESSES:
                _, inner_lanes = _lanes(child)
                _collect(child, element_id, {**lane_of, **inner_lanes}, nodes, flows)


def _bounds(element) -> Box | None:
    bounds = element.find(f"{{{DC_NS}}}Bounds")
    if bounds is None:
        return None
    try:
        return Box(*(float(bounds.get(a, "0")) for a in ("x", "y", "width", "height")))
    except ValueError:
        return None


def _plane(root, process_id: str, participants: set[str]):
    """The diagram plane of the process itself; other planes draw collapsed subprocesses' insides
    in coordinates of their own."""
    planes = list(root.iter(f"{{{BPMNDI_NS}}}BPMNPlane"))
    collaborations = {
        c.get("id", "")
        for c in root.iter(f"{{{BPMN_NS}}}collaboration")
        if any(p.get("id") in participants for p in c.iter(f"{{{BPMN_NS}}}participant"))
    }
    for wanted in ({process_id}, collaborations):
        for plane in planes:
            if plane.get("bpmnElement") in wanted:
                return plane
    return planes[0] if planes else None


def _di(plane, wanted: set[str]) -> tuple[dict[str, Box], dict[str, list[tuple[float, float]]]]:
    shapes, waypoints = {}, {}
    if plane is None:
        return shapes, waypoints
    for shape in plane.iter(f"{{{BPMNDI_NS}}}BPMNShape"):
        element = shape.get("bpmnElement", "")
        box = _bounds(shape)
        if element in wanted and box is not None:
            shapes[element] = box
    for edge in plane.iter(f"{{{BPMNDI_NS}}}BPMNEdge"):
        element = edge.get("bpmnElement", "")
        if element in wanted:
            points = []
            for point in edge.findall(f"{{{DI_NS}}}waypoint"):
                try:
                    points.append((float(point.get("x", "0")), float(point.get("y", "0"))))
                except ValueError:
                    continue
            waypoints[element] = points
    return shapes, waypoints


def process_graph(bpmn_xml: str | bytes, process_id: str) -> ProcessGraph:
    """Read one process of a BPMN file: its nodes, flows, lanes and diagram interchange."""
    root = _parse(bpmn_xml)
    process = next(
        (p for p in root.iter(f"{{{BPMN_NS}}}process") if p.get("id") == process_id), None
    )
    if process is None:
        raise DiagramError(f"the BPMN file has no process {process_id!r}")
    lanes, lane_of = _lanes(process)
    nodes: dict[str, Node] = {}
    flows: list[Flow] = []
    _collect(process, None, lane_of, nodes, flows)
    participants = {
        p.get("id", "")
        for p in root.iter(f"{{{BPMN_NS}}}participant")
        if p.get("processRef") == process_id
    }
    wanted = set(nodes) | {lane_id for lane_id, _ in lanes} | participants
    wanted |= {flow.id for flow in flows}
    shapes, waypoints = _di(_plane(root, process_id, participants), wanted)
    return ProcessGraph(
        process_id=process_id,
        name=process.get("name") or process_id,
        nodes=nodes,
        flows=flows,
        lanes=lanes,
        shapes=shapes,
        waypoints=waypoints,
    )


# Tasks the engine only predicts (FUTURE, LIKELY, MAYBE) or dropped (CANCELLED) were not reached.
REACHED = TaskState.COMPLETED | ACTIVE_STATES


def _came_from(task, bpmn_id: str) -> str | None:
    parent = task.parent
    while parent is not None:
        parent_id = getattr(parent.task_spec, "bpmn_id", None)
        if parent_id is not None and parent_id != bpmn_id:
            return parent_id
        parent = parent.parent
    return None


def workflow_highlight(workflow, graph: ProcessGraph) -> Highlight:
    """The path ``workflow`` took through ``graph`` and where it stands, from its task tree."""
    completed, active, failed, taken = set(), set(), set(), set()
    flow_between = graph.flow_between()
    for task in workflow.get_tasks(state=REACHED):
        bpmn_id = getattr(task.task_spec, "bpmn_id", None)
        if bpmn_id is None or bpmn_id not in graph.nodes:
            continue
        if task.state == TaskState.ERROR:
            failed.add(bpmn_id)
        elif task.state & ACTIVE_STATES:
            active.add(bpmn_id)
        else:
            completed.add(bpmn_id)
        flow = flow_between.get((_came_from(task, bpmn_id), bpmn_id))
        if flow is not None:
            taken.add(flow)
    # A parallel join is one task whose parent is the branch that arrived last; every branch
    # that reached it took its flow in.
    for flow in graph.flows:
        target = graph.nodes.get(flow.target)
        joined = flow.target in completed or flow.target in active
        if target and target.kind == "parallelGateway" and flow.source in completed and joined:
            taken.add(flow.id)
    return Highlight(
        completed=frozenset(completed - active - failed),
        active=frozenset(active),
        failed=frozenset(failed),
        taken=frozenset(taken),
    )


# ---------------------------------------------------------------------------------------------
# Layout of a file without DI


def _size(node: Node) -> tuple[float, float]:
    if node.kind in EVENTS:
        return EVENT_D, EVENT_D
    if node.kind in GATEWAYS:
        return GATEWAY_D, GATEWAY_D
    return TASK_W, TASK_H


def _forward_edges(ids: list[str], edges: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``edges`` without the ones that close a loop (found by depth-first search from starts)."""
    successors = defaultdict(list)
    has_incoming = set()
    for source, target in edges:
        successors[source].append(target)
        has_incoming.add(target)
    back, state = set(), {}  # state: 1 on the stack, 2 done
    roots = [i for i in ids if i not in has_incoming] + ids
    for root in roots:
        if root in state:
            continue
        stack = [(root, iter(successors[root]))]
        state[root] = 1
        while stack:
            current, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[current] = 2
                stack.pop()
            elif state.get(child) == 1:
                back.add((current, child))
            elif child not in state:
                state[child] = 1
                stack.append((child, iter(successors[child])))
    return [edge for edge in edges if edge not in back]


def _columns(ids: list[str], forward: list[tuple[str, str]]) -> dict[str, int]:
    successors = defaultdict(list)
    indegree = dict.fromkeys(ids, 0)
    for source, target in forward:
        successors[source].append(target)
        indegree[target] += 1
    column = dict.fromkeys(ids, 0)
    ready = [i for i in ids if indegree[i] == 0]
    while ready:
        current = ready.pop(0)
        for child in successors[current]:
            column[child] = max(column[child], column[current] + 1)
            indegree[child] -= 1
            if indegree[child] == 0:
                ready.append(child)
    return column


def auto_layout(graph: ProcessGraph) -> tuple[dict[str, Box], list[tuple[str, str, Box]]]:
    """Boxes of the top-level nodes and lane bands [(lane id, name, box)] for a file without DI."""
    top = [i for i in graph.top_level() if graph.nodes[i].attached_to is None]
    placed = set(top)
    host = {
        node.id: node.attached_to
        for node in graph.nodes.values()
        if node.parent is None and node.attached_to in placed
    }
    edges = []
    for flow in graph.flows:
        source = host.get(flow.source, flow.source)
        if source in placed and flow.target in placed and source != flow.target:
            edges.append((source, flow.target))
    column = _columns(top, _forward_edges(top, edges))
    lane_ids = [lane_id for lane_id, _ in graph.lanes]
    lane_names = dict(graph.lanes)
    if any(graph.nodes[i].lane not in lane_names for i in top):
        lane_ids.append("")
        lane_names[""] = ""
    predecessors = defaultdict(list)
    for source, target in edges:
        predecessors[target].append(source)
    cells: dict[tuple[str, int], list[str]] = defaultdict(list)
    slot: dict[str, float] = {}
    for node_id in sorted(top, key=lambda i: column[i]):
        lane = graph.nodes[node_id].lane if graph.nodes[node_id].lane in lane_names else ""
        cells[lane, column[node_id]].append(node_id)
    for (_, _), members in sorted(cells.items(), key=lambda item: item[0][1]):
        # Order a cell by where its predecessors sit, to keep flows from crossing.
        def barycenter(node_id: str) -> float:
            known = [slot[p] for p in predecessors[node_id] if p in slot]
            return sum(known) / len(known) if known else math.inf

        members.sort(key=barycenter)
        for index, member in enumerate(members):
            slot[member] = index
    rows = {lane: 1 for lane in lane_ids}
    for (lane, _), members in cells.items():
        rows[lane] = max(rows[lane], len(members))
    boxes, bands, top_y = {}, [], MARGIN
    width = LANE_LABEL + (max(column.values(), default=0) + 1) * COLUMN
    for lane in lane_ids:
        height = rows[lane] * ROW
        if lane or len(lane_ids) > 1:
            bands.append((lane, lane_names[lane], Box(MARGIN, top_y, width, height)))
        for (cell_lane, col), members in cells.items():
            if cell_lane != lane:
                continue
            for index, member in enumerate(members):
                w, h = _size(graph.nodes[member])
                cx = MARGIN + LANE_LABEL + col * COLUMN + COLUMN / 2
                cy = top_y + index * ROW + ROW / 2
                boxes[member] = Box(cx - w / 2, cy - h / 2, w, h)
        top_y += height
    for node in graph.nodes.values():
        attached = [n for n in graph.nodes.values() if n.attached_to == node.id]
        if node.id not in boxes:
            continue
        for index, event in enumerate(attached, start=1):
            host_box = boxes[node.id]
            cx = host_box.x + host_box.w * index / (len(attached) + 1)
            boxes[event.id] = Box(cx - EVENT_D / 2, host_box.y + host_box.h - EVENT_D / 2,
                                  EVENT_D, EVENT_D)  # fmt: skip
    return boxes, bands


def _crosses(box: Box, x1: float, x2: float, y: float) -> bool:
    return box.y - 4 <= y <= box.y + box.h + 4 and x1 < box.x + box.w and box.x < x2


def _route(
    source: Box, target: Box, from_boundary: bool, below: float, offset: int, others: list[Box]
) -> list:
    """An orthogonal path; a flow back to an earlier column runs along the bottom of its lane,
    one past other steps of its row over their tops. ``others``: every box but the two ends."""
    if target.x > source.x + source.w / 2:
        middle = target.x - (COLUMN - TASK_W) / 2 + 4
        if from_boundary:
            drop = source.y + source.h + 10
            return [(source.cx, source.y + source.h), (source.cx, drop), (middle, drop),
                    (middle, target.cy), (target.x, target.cy)]  # fmt: skip
        x1, y1 = source.x + source.w, source.cy
        if any(_crosses(box, x1, middle, y1) for box in others):
            # Over the steps in between: along the top of the source's row, between the rows.
            channel = source.cy - ROW / 2 + 5 + 3 * offset
            return [(source.cx, source.y), (source.cx, channel), (middle, channel),
                    (middle, target.cy), (target.x, target.cy)]  # fmt: skip
        if abs(y1 - target.cy) < 0.5:
            return [(x1, y1), (target.x, target.cy)]
        return [(x1, y1), (middle, y1), (middle, target.cy), (target.x, target.cy)]
    y = max(source.y + source.h + 10, target.y + target.h + 10, below - 4 * offset)
    return [
        (source.cx, source.y + source.h),
        (source.cx, y),
        (target.cx, y),
        (target.cx, target.y + target.h),
    ]


# ---------------------------------------------------------------------------------------------
# Drawing


def _text_width(text: str) -> float:
    return sum(2 if ord(char) > 0x2E80 else 1 for char in text)


def wrap(text: str, units: int, lines: int) -> list[str]:
    """``text`` in at most ``lines`` lines of about ``units`` (a CJK character counts 2)."""
    out, line = [], ""
    for token in WORDS.findall(text):
        if token.isspace():
            line += " " if line else ""
            continue
        if _text_width(line + token) <= units:
            line += token
            continue
        if line.strip():
            out.append(line.rstrip())
        while _text_width(token) > units:  # a word longer than a line is cut
            out.append(token[:units])
            token = token[units:]
        line = token
    if line.strip():
        out.append(line.rstrip())
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: max(1, len(out[-1]) - 1)] + "…"
    return out


def _text(parent, x: float, y: float, lines: list[str], css: str, size: float = 12) -> None:
    top = y - (len(lines) - 1) * size / 2
    for index, line in enumerate(lines):
        element = ET.SubElement(
            parent, "text", {"x": f"{x:.1f}", "y": f"{top + index * size:.1f}", "class": css}
        )
        element.set("text-anchor", "middle")
        element.set("dominant-baseline", "middle")
        element.text = line


def _state_class(node: Node, highlight: Highlight) -> str:
    if node.id in highlight.failed:
        return "failed"
    if node.id in highlight.active:
        return "active"
    if node.id in highlight.completed:
        return "completed"
    return ""


def _tooltip(node: Node, graph: ProcessGraph, highlight: Highlight, collapsed: bool) -> str:
    # Names only: ids stay in ``data-element-id`` for tools, never in what a person reads.
    text = node.name
    if collapsed and node.children:
        inner = [graph.nodes[c] for c in node.children if graph.nodes[c].kind in ACTIVITIES]
        marks = []
        for child in inner:
            state = _state_class(child, highlight)
            marks.append(f"{child.name}{f' ({state})' if state else ''}")
        text += "\n" + "\n".join(marks)
    return text


def _draw_node(parent, node: Node, box: Box, graph, highlight, collapsed: bool) -> None:
    css = " ".join(filter(None, ("node", node.kind, _state_class(node, highlight))))
    group = ET.SubElement(parent, "g", {"class": css, "data-element-id": node.id})
    ET.SubElement(group, "title").text = _tooltip(node, graph, highlight, collapsed)
    if node.kind in EVENTS:
        r = min(box.w, box.h) / 2
        circle = {"cx": f"{box.cx:.1f}", "cy": f"{box.cy:.1f}", "r": f"{r:.1f}", "class": "shape"}
        if not node.cancels:
            circle["stroke-dasharray"] = "4 3"
        ET.SubElement(group, "circle", circle)
        if node.kind in ("intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent"):
            inner = {**circle, "r": f"{r - 3:.1f}"}
            ET.SubElement(group, "circle", inner)
        if node.name and node.attached_to is None:
            _text(group, box.cx, box.y + box.h + 18, wrap(node.name, 22, 3), "label", 14)
        return
    if node.kind in GATEWAYS:
        points = (
            f"{box.cx:.1f},{box.y:.1f} {box.x + box.w:.1f},{box.cy:.1f} "
            f"{box.cx:.1f},{box.y + box.h:.1f} {box.x:.1f},{box.cy:.1f}"
        )
        ET.SubElement(group, "polygon", {"points": points, "class": "shape"})
        _text(group, box.cx, box.cy + 1, [GATEWAY_MARKS.get(node.kind, "")], "gateway-mark", 20)
        if node.name:
            _text(group, box.cx, box.y - 18, wrap(node.name, 26, 2), "label", 14)
        return
    ET.SubElement(
        group,
        "rect",
        {"x": f"{box.x:.1f}", "y": f"{box.y:.1f}", "width": f"{box.w:.1f}",
         "height": f"{box.h:.1f}", "rx": "8", "class": "shape"},
    )  # fmt: skip
    if node.kind in TASK_MARKS:
        mark = ET.SubElement(
            group, "text", {"x": f"{box.x + 5:.1f}", "y": f"{box.y + 11:.1f}", "class": "mark"}
        )
        mark.text = TASK_MARKS[node.kind]
    if node.kind in SUBPROCESSES and collapsed:
        size = 12
        ET.SubElement(
            group,
            "rect",
            {"x": f"{box.cx - size / 2:.1f}", "y": f"{box.y + box.h - size - 2:.1f}",
             "width": str(size), "height": str(size), "class": "shape"},
        )  # fmt: skip
        _text(group, box.cx, box.y + box.h - size / 2 - 2, ["+"], "mark", 10)
        _text(group, box.cx, box.cy - 4, wrap(node.name or node.id, 19, 3), "label", 14)
    elif node.kind in SUBPROCESSES:
        _text(group, box.x + box.w / 2, box.y + 14, wrap(node.name or node.id, 40, 1), "label")
    else:
        _text(group, box.cx, box.cy + 5, wrap(node.name or node.id, 19, 3), "label", 14)


def _draw_flow(parent, flow: Flow, points: list[tuple], highlight: Highlight) -> None:
    if len(points) < 2:
        return
    taken = flow.id in highlight.taken
    group = ET.SubElement(
        parent,
        "g",
        {"class": "flow taken" if taken else "flow", "data-element-id": flow.id},
    )
    ET.SubElement(group, "title").text = flow.name
    path = "M " + " L ".join(f"{x:.1f} {y:.1f}" for x, y in points)
    ET.SubElement(
        group, "path", {"d": path, "marker-end": f"url(#arrow{'-taken' if taken else ''})"}
    )
    if flow.name:
        (x1, y1), (x2, y2) = points[0], points[1]
        label = ET.SubElement(group, "text", {"x": f"{(x1 + x2) / 2 + 4:.1f}",
                                              "y": f"{(y1 + y2) / 2 - 4:.1f}"})  # fmt: skip
        label.text = wrap(flow.name, 24, 1)[0]


def _markers(svg) -> None:
    defs = ET.SubElement(svg, "defs")
    for marker_id, colour in (("arrow", "#9a9a9a"), ("arrow-taken", "#2e7d32")):
        marker = ET.SubElement(
            defs,
            "marker",
            {"id": marker_id, "viewBox": "0 0 10 10", "refX": "10", "refY": "5",
             "markerWidth": "7", "markerHeight": "7", "orient": "auto-start-reverse"},
        )  # fmt: skip
        ET.SubElement(marker, "path", {"d": "M 0 0 L 10 5 L 0 10 z", "fill": colour})


def render_svg(graph: ProcessGraph, highlight: Highlight | None = None, scale: float = 1) -> str:
    """The process as one ``<svg>`` element (text), with ``highlight`` marked by CSS classes.

    ``scale`` sets the drawn size (width and height) against the diagram's own units.

    Nodes are ``<g class="node <kind> [completed|active|failed]" data-element-id="<id>">``,
    flows ``<g class="flow [taken]" data-element-id="<id>">``, lanes ``<g class="lane">``.
    """
    highlight = highlight or Highlight()
    if graph.has_di:
        boxes = {i: graph.shapes[i] for i in graph.nodes if i in graph.shapes}
        lane_boxes = [
            (lane_id, name, graph.shapes[lane_id])
            for lane_id, name in graph.lanes
            if lane_id in graph.shapes
        ]
        drawn = set(boxes)
        routes = {
            flow.id: graph.waypoints.get(flow.id)
            or _straight(boxes.get(flow.source), boxes.get(flow.target))
            for flow in graph.flows
            if flow.source in drawn and flow.target in drawn
        }
    else:
        boxes, lane_boxes = auto_layout(graph)
        lane_bottom = {lane: box.y + box.h - 8 for lane, _, box in lane_boxes}
        routes = {}
        for offset, flow in enumerate(graph.flows):
            if flow.source not in boxes or flow.target not in boxes:
                continue
            below = max(
                lane_bottom.get(graph.nodes[flow.source].lane, 0),
                lane_bottom.get(graph.nodes[flow.target].lane, 0),
            )
            routes[flow.id] = _route(
                boxes[flow.source],
                boxes[flow.target],
                graph.nodes[flow.source].attached_to is not None,
                below,
                offset % 4,
                [box for i, box in boxes.items() if i not in (flow.source, flow.target)],
            )
    every = list(boxes.values()) + [box for _, _, box in lane_boxes]
    every += [Box(x, y, 0, 0) for points in routes.values() for x, y in points]
    min_x = min((b.x for b in every), default=0) - MARGIN
    min_y = min((b.y for b in every), default=0) - MARGIN - 20
    max_x = max((b.x + b.w for b in every), default=0) + MARGIN
    max_y = max((b.y + b.h for b in every), default=0) + MARGIN + 30
    width, height = max_x - min_x, max_y - min_y
    svg = ET.Element(
        "svg",
        {
            "xmlns": SVG_NS,
            "class": "bpmn-diagram",
            "viewBox": f"{min_x:.0f} {min_y:.0f} {width:.0f} {height:.0f}",
            "width": f"{width * scale:.0f}",
            "height": f"{height * scale:.0f}",
            "role": "img",
            "data-process-id": graph.process_id,
            "data-layout": "di" if graph.has_di else "auto",
        },
    )
    ET.SubElement(svg, "title").text = graph.name
    ET.SubElement(svg, "style").text = STYLE
    _markers(svg)
    for lane_id, name, box in lane_boxes:
        group = ET.SubElement(svg, "g", {"class": "lane", "data-element-id": lane_id})
        ET.SubElement(
            group, "rect",
            {"x": f"{box.x:.1f}", "y": f"{box.y:.1f}", "width": f"{box.w:.1f}",
             "height": f"{box.h:.1f}"},
        )  # fmt: skip
        label = ET.SubElement(
            group,
            "text",
            {"x": f"{box.x + 16:.1f}", "y": f"{box.cy:.1f}", "text-anchor": "middle",
             "transform": f"rotate(-90 {box.x + 16:.1f} {box.cy:.1f})"},
        )  # fmt: skip
        label.text = name
    order = sorted(boxes, key=lambda i: (graph.nodes[i].kind not in SUBPROCESSES, i))
    for node_id in order:
        if graph.nodes[node_id].attached_to is None:
            node = graph.nodes[node_id]
            collapsed = not any(child in boxes for child in node.children)
            _draw_node(svg, node, boxes[node_id], graph, highlight, collapsed)
    for flow in graph.flows:
        if flow.id in routes:
            _draw_flow(svg, flow, routes[flow.id], highlight)
    for node_id in order:  # boundary events above their host and its flows
        if graph.nodes[node_id].attached_to is not None:
            node = graph.nodes[node_id]
            collapsed = not any(child in boxes for child in node.children)
            _draw_node(svg, node, boxes[node_id], graph, highlight, collapsed)
    return ET.tostring(svg, encoding="unicode")


def _straight(source: Box | None, target: Box | None) -> list[tuple]:
    if source is None or target is None:
        return []
    return [(source.cx, source.cy), (target.cx, target.cy)]


# A drawing depends only on the BPMN text, the process, the highlight and the scale, so the graphs
# and drawings of the processes in use are kept by the text's hash: a page drawing a process again
# (the timeline at every visit, many cases standing at the same step) neither reads the file nor
# lays it out again. The oldest entry goes when more are in use.
GRAPHS_KEPT = 16
DRAWINGS_KEPT = 128
_graphs: OrderedDict[tuple, ProcessGraph] = OrderedDict()
_drawings: OrderedDict[tuple, str] = OrderedDict()
_kept_lock = threading.Lock()


def _kept(cache: OrderedDict, limit: int, key: tuple, make):
    with _kept_lock:
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
    value = make()
    with _kept_lock:
        cache[key] = value
        while len(cache) > limit:
            cache.popitem(last=False)
    return value


def process_diagram(
    bpmn_xml: str | bytes, process_id: str, workflow=None, *, scale: float = 1
) -> str:
    """The SVG of ``process_id``, with ``workflow``'s path and active steps when one is given."""
    text = bpmn_xml.encode("utf-8") if isinstance(bpmn_xml, str) else bpmn_xml
    process = (hashlib.sha256(text).hexdigest(), process_id)
    graph = _kept(_graphs, GRAPHS_KEPT, process, lambda: process_graph(text, process_id))
    highlight = workflow_highlight(workflow, graph) if workflow is not None else Highlight()
    return _kept(
        _drawings,
        DRAWINGS_KEPT,
        (*process, highlight, scale),
        lambda: render_svg(graph, highlight, scale),
    )
