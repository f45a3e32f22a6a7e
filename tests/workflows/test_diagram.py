"""The process diagram: laid out without DI, drawn from DI when present, the path marked."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from workflows.definitions import build_specs
from workflows.diagram import (
    DiagramError,
    process_diagram,
    process_graph,
    render_svg,
    workflow_highlight,
    wrap,
)
from workflows.spiff import BpmnWorkflow, InstanceScriptEngine, TaskState, parse_bpmn

from .helpers import bpmn_bytes

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "bpmn"
SVG = "{http://www.w3.org/2000/svg}"


class NoServices:
    def call_service(self, task, operation, params):
        raise AssertionError(operation)


def run(name: str, process_id: str, **data) -> BpmnWorkflow:
    parser = parse_bpmn(bpmn_bytes(name), name)
    workflow = BpmnWorkflow(*build_specs(parser, process_id))
    workflow.script_engine = InstanceScriptEngine(dispatcher=NoServices())
    workflow.get_tasks(state=TaskState.READY)[0].data.update(data)
    workflow.do_engine_steps()
    return workflow


def complete(workflow: BpmnWorkflow, name: str) -> None:
    (task,) = [
        t
        for t in workflow.get_tasks(state=TaskState.READY, manual=True)
        if t.task_spec.name == name
    ]
    task.run()
    workflow.do_engine_steps()


def marked(svg: str, css: str) -> set[str]:
    """The ids of the drawn elements whose class list holds ``css``."""
    root = ET.fromstring(svg)
    return {
        g.get("data-element-id")
        for g in root.iter(f"{SVG}g")
        if css in (g.get("class") or "").split()
    }


def node_box(svg: str, element_id: str) -> ET.Element:
    root = ET.fromstring(svg)
    group = next(g for g in root.iter(f"{SVG}g") if g.get("data-element-id") == element_id)
    return next(child for child in group if child.tag != f"{SVG}title")


def test_a_file_without_di_is_laid_out_left_to_right_with_a_band_per_lane():
    svg = process_diagram(bpmn_bytes("loop.bpmn"), "wf_loop")

    root = ET.fromstring(svg)
    assert root.get("data-layout") == "auto"
    assert marked(svg, "node") == {"start", "merge", "record", "count", "more", "end"}
    assert marked(svg, "flow") == {"to_merge", "to_record", "to_count", "to_more", "again",
                                   "finished"}  # fmt: skip
    assert marked(svg, "lane") == {"wf_loop_clerks", ""}  # nodes without a lane get a band
    x = {i: float(node_box(svg, i).get("cx") or node_box(svg, i).get("x") or 0) for i in
         ("start", "record", "count")}  # fmt: skip
    assert x["start"] < x["record"] < x["count"]  # columns follow the flow
    # The loop back to the merge runs underneath, not through the tasks.
    again = next(g for g in root.iter(f"{SVG}g") if g.get("data-element-id") == "again").find(
        f"{SVG}path"
    )
    ys = [float(v) for v in again.get("d").replace("M", "").replace("L", "").split()[1::2]]
    assert max(ys) > max(ys[0], ys[-1])


def test_the_path_taken_and_the_active_step_are_marked_while_the_loop_runs():
    workflow = run("loop.bpmn", "wf_loop", recorded=0, target=2)
    complete(workflow, "record")

    graph = process_graph(bpmn_bytes("loop.bpmn"), "wf_loop")
    highlight = workflow_highlight(workflow, graph)
    svg = render_svg(graph, highlight)

    assert marked(svg, "active") == {"record"}
    assert marked(svg, "completed") == {"start", "merge", "count", "more"}
    assert marked(svg, "taken") == {"to_merge", "to_record", "to_count", "to_more", "again"}
    assert "finished" not in marked(svg, "taken")


def test_a_finished_loop_marks_the_way_out_and_nothing_active():
    workflow = run("loop.bpmn", "wf_loop", recorded=0, target=2)
    complete(workflow, "record")
    complete(workflow, "record")

    svg = process_diagram(bpmn_bytes("loop.bpmn"), "wf_loop", workflow)

    assert workflow.is_completed()
    assert marked(svg, "active") == set()
    assert {"end", "record", "more"} <= marked(svg, "completed")
    assert {"again", "finished"} <= marked(svg, "taken")


def test_a_subprocess_is_drawn_collapsed_and_names_its_active_step():
    workflow = run("subprocess_lanes.bpmn", "wf_subprocess")
    complete(workflow, "draft")

    graph = process_graph(bpmn_bytes("subprocess_lanes.bpmn"), "wf_subprocess")
    highlight = workflow_highlight(workflow, graph)
    svg = render_svg(graph, highlight)

    assert highlight.active >= {"prepare", "check"}
    assert "draft" in highlight.completed
    assert marked(svg, "node") == {"start", "prepare", "done"}  # the inner steps are folded
    assert marked(svg, "active") == {"prepare"}
    assert "flow_start_prepare" in marked(svg, "taken")
    root = ET.fromstring(svg)
    prepare = next(g for g in root.iter(f"{SVG}g") if g.get("data-element-id") == "prepare")
    tooltip = prepare.find(f"{SVG}title").text
    assert "Check the draft (active)" in tooltip and "Draft (completed)" in tooltip


def test_a_file_with_di_is_drawn_where_its_modeller_placed_the_shapes():
    xml = (FIXTURES / "invoiceApproval.bpmn").read_bytes()

    svg = process_diagram(xml, "camundaFormsQuickstart")

    assert ET.fromstring(svg).get("data-layout") == "di"
    task = node_box(svg, "UserTask_1")
    assert (task.get("x"), task.get("y"), task.get("width"), task.get("height")) == (
        "298.0", "78.0", "100.0", "80.0",
    )  # fmt: skip
    start = node_box(svg, "StartEvent_1")
    assert (start.get("cx"), start.get("cy"), start.get("r")) == ("194.0", "118.0", "18.0")
    flow = ET.fromstring(svg).find(f".//{SVG}g[@data-element-id='SequenceFlow_1']/{SVG}path")
    assert flow.get("d") == "M 212.0 118.0 L 298.0 118.0"


def test_di_of_collapsed_subprocesses_on_planes_of_their_own_is_not_mixed_in():
    xml = (FIXTURES / "nested-subprocesses.bpmn").read_bytes()

    svg = process_diagram(xml, "rootProcess")

    drawn = marked(svg, "node")
    graph = process_graph(xml, "rootProcess")
    assert drawn == {i for i, node in graph.nodes.items() if node.parent is None}
    assert drawn < set(graph.nodes)


HOSTILE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
  targetNamespace="https://example.test/bpmn">
  <bpmn:process id="hostile" name="&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;">
    <bpmn:startEvent id="start" name="&quot;&gt;&lt;img src=x onerror=alert(2)&gt;" />
    <bpmn:userTask id="task" name="&lt;/text&gt;&lt;script&gt;alert(3)&lt;/script&gt; 审核" />
    <bpmn:sequenceFlow id="flow" name="&lt;a href='javascript:alert(4)'&gt;x&lt;/a&gt;"
      sourceRef="start" targetRef="task" />
  </bpmn:process>
</bpmn:definitions>
"""


def test_hostile_names_are_shown_as_text_never_as_markup():
    svg = process_diagram(HOSTILE, "hostile")

    assert "<script" not in svg and "<img" not in svg and "<a " not in svg
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in svg
    texts = "".join(ET.fromstring(svg).itertext())
    assert "<script>alert(1)</script>" in texts  # the process name, as text
    assert marked(svg, "node") == {"start", "task"}


def test_an_unknown_process_id_is_named():
    with pytest.raises(DiagramError, match="no process 'nowhere'"):
        process_diagram(bpmn_bytes("loop.bpmn"), "nowhere")


def test_names_wrap_by_display_width_and_long_ones_are_cut():
    assert wrap("数字化审图 Drawing review", 14, 3) == ["数字化审图", "Drawing review"]
    assert wrap("a" * 30, 10, 2) == ["a" * 10, "a" * 9 + "…"]
    assert wrap("", 10, 2) == []


def test_a_process_drawn_again_is_read_once_and_each_point_keeps_its_own_marks(monkeypatch):
    from workflows import diagram

    monkeypatch.setattr(diagram, "_graphs", type(diagram._graphs)())
    monkeypatch.setattr(diagram, "_drawings", type(diagram._drawings)())
    reads = []
    monkeypatch.setattr(
        diagram, "process_graph", lambda *args: reads.append(args) or process_graph(*args)
    )
    running = run("loop.bpmn", "wf_loop", recorded=0, target=2)
    complete(running, "record")
    finished = run("loop.bpmn", "wf_loop", recorded=0, target=2)
    complete(finished, "record")
    complete(finished, "record")

    first = process_diagram(bpmn_bytes("loop.bpmn"), "wf_loop", running)
    done = process_diagram(bpmn_bytes("loop.bpmn"), "wf_loop", finished)
    again = process_diagram(bpmn_bytes("loop.bpmn").decode("utf-8"), "wf_loop", running)

    assert len(reads) == 1
    assert again == first
    assert marked(first, "active") == {"record"}
    assert marked(done, "active") == set()
