"""ONNX export of torch and LightGBM models, and the parity check that runs the export in
onnxruntime against the original on held-out inputs.

torch: the TorchScript exporter (`dynamo=False`; the dynamo exporter needs onnxscript). LightGBM:
onnxmltools (float32 inputs only). The batch axis is dynamic. A parity record is
{"model", "n_inputs", "max_abs_diff", "class_agreement"}; it passes at max_abs_diff <= MAX_ABS_DIFF
and the same class on every input.
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
    import warnings

    import torch

    module.eval()
    with warnings.catch_warnings():  # the TorchScript exporter is deprecated; the dynamo one needs onnxscript
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(module, (torch.zeros(2, n_features),), str(path), dynamo=False, opset_version=ONNX_OPSET,
                          input_names=[INPUT], output_names=[OUTPUT],
                          dynamic_axes={INPUT: {0: "batch"}, OUTPUT: {0: "batch"}})


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


def onnx_probabilities(path: Path, x: np.ndarray) -> np.ndarray:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3  # errors only: the converters' unused `label` output has a loose shape
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    return session.run([OUTPUT if OUTPUT in names else names[-1]], {INPUT: x.astype(np.float32)})[0]


def parity(model: str, path: Path, x: np.ndarray, reference: np.ndarray) -> dict:
    """Run the ONNX file on `x` and compare with the original model's probabilities `reference`."""
    got = onnx_probabilities(path, x)
    return {"model": model, "n_inputs": int(len(x)),
            "max_abs_diff": float(np.abs(got - reference).max()) if len(x) else 0.0,
            "class_agreement": float((got.argmax(axis=1) == reference.argmax(axis=1)).mean()) if len(x) else 1.0}


def passes(record: dict) -> bool:
    return record["max_abs_diff"] <= MAX_ABS_DIFF and record["class_agreement"] == 1.0


def write_parity(record: dict, out: Path) -> None:
    out.write_text(json.dumps({**record, "goal": {"max_abs_diff": MAX_ABS_DIFF, "class_agreement": 1.0},
                               "passed": passes(record)}, indent=2))
