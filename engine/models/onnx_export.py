"""ONNX export of torch and LightGBM models, and the parity check that runs the export in
onnxruntime against the original on held-out inputs.

torch: the TorchScript exporter (`dynamo=False`; the dynamo exporter needs onnxscript). LightGBM:
onnxmltools (float32 inputs only). The batch axis is dynamic. A parity record is
{"model", "n_inputs", "max_abs_diff", "class_agreement"}; it passes at max_abs_diff <= MAX_ABS_DIFF
and, for classifiers, the same class on every input (regressors have class_agreement None).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

MAX_ABS_DIFF = 1e-4
ONNX_OPSET = 15  # the highest onnxmltools' LightGBM converter supports here
INPUT, OUTPUT = "features", "probabilities"


def export_torch(module, n_features: int, path: Path) -> None:
    """`module`: float32 (batch, n_features) -> (batch, classes) probabilities."""
    import torch

    export_torch_inputs(module, {INPUT: torch.zeros(2, n_features)}, OUTPUT,
                        {INPUT: {0: "batch"}, OUTPUT: {0: "batch"}}, path)


def export_torch_inputs(module, example: dict, output: str, dynamic_axes: dict, path: Path,
                        opset: int = ONNX_OPSET) -> None:
    """`module(*example.values())` -> one output named `output`; inputs named by example's keys,
    dynamic_axes as torch.onnx.export takes them. Graph layers need opset >= 16: below it the
    exporter drops the scatter's reduction and the graph sums wrong (the parity check shows it)."""
    import warnings

    import torch

    module.eval()
    with warnings.catch_warnings():  # the TorchScript exporter is deprecated; the dynamo one needs onnxscript
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)  # LSTM batch_first notes
        torch.onnx.export(module, tuple(example.values()), str(path), dynamo=False, opset_version=opset,
                          input_names=list(example), output_names=[output], dynamic_axes=dynamic_axes)


def export_lightgbm(booster, n_features: int, path: Path) -> None:
    """A multiclass LightGBM booster -> ONNX with a `probabilities` output (no zipmap)."""
    import onnxmltools
    from onnxmltools.convert.common.data_types import FloatTensorType

    onx = onnxmltools.convert_lightgbm(booster, initial_types=[(INPUT, FloatTensorType([None, n_features]))],
                                       target_opset=ONNX_OPSET, zipmap=False)
    for output in onx.graph.output:  # onnxmltools names the second output "probabilities" already
        if output.name not in ("label", OUTPUT):
            raise ValueError(f"unexpected ONNX output {output.name!r}")
    path.write_bytes(onx.SerializeToString())


def session(path: Path):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3  # errors only: the converters' unused `label` output has a loose shape
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def onnx_probabilities(path: Path, x: np.ndarray) -> np.ndarray:
    onnx = session(path)
    names = [o.name for o in onnx.get_outputs()]
    return onnx.run([OUTPUT if OUTPUT in names else names[-1]], {INPUT: x.astype(np.float32)})[0]


def regression_parity(model: str, path: Path, feeds: list[dict], references: list[np.ndarray]) -> dict:
    """Run the ONNX file on each feed (input name -> array) and compare its first output with the
    original model's `references`; n_inputs counts the rows of every feed's batch."""
    onnx = session(path)
    diffs = [float(np.abs(onnx.run(None, feed)[0] - ref).max()) for feed, ref in zip(feeds, references)]
    return {"model": model, "n_inputs": int(sum(len(r) for r in references)), "max_abs_diff": max(diffs, default=0.0),
            "class_agreement": None}


def parity(model: str, path: Path, x: np.ndarray, reference: np.ndarray) -> dict:
    """Run the ONNX file on `x` and compare with the original model's probabilities `reference`."""
    got = onnx_probabilities(path, x)
    return {"model": model, "n_inputs": int(len(x)),
            "max_abs_diff": float(np.abs(got - reference).max()) if len(x) else 0.0,
            "class_agreement": float((got.argmax(axis=1) == reference.argmax(axis=1)).mean()) if len(x) else 1.0}


def passes(record: dict) -> bool:
    return record["max_abs_diff"] <= MAX_ABS_DIFF and record["class_agreement"] in (None, 1.0)


def parity_text(record: dict) -> str:
    """One line for the coach and the CLI: passed/FAILED, inputs, max |diff| (and class agreement)."""
    agreement = "" if record["class_agreement"] is None else f", class agreement {record['class_agreement']:.1%}"
    return (f"parity {'passed' if passes(record) else 'FAILED'} on {record['n_inputs']:,} held-out inputs: "
            f"max |diff| {record['max_abs_diff']:.1e}{agreement}")


def write_parity(record: dict, out: Path) -> None:
    goal = {"max_abs_diff": MAX_ABS_DIFF} | ({} if record["class_agreement"] is None else {"class_agreement": 1.0})
    out.write_text(json.dumps({**record, "goal": goal,
                               "passed": passes(record)}, indent=2))
