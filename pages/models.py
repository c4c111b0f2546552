"""Models: the registry against its baselines, a model's full evaluation, retraining and ONNX export."""
import json
from dataclasses import asdict

import pandas as pd
import streamlit as st

from dashboard import figures
from dashboard.state import is_admin, read, store
from dashboard.widgets import data_table, queue_training, share_link
from engine import clock
from engine.models import registry
from engine.models.contract import N_SEEDS, VERDICT_HELP
from engine.models.kinds import KINDS, trainer
from engine.models.onnx_export import MAX_ABS_DIFF, parity_text
from engine.store import jobs

C = st.column_config


def jobs_section() -> None:
    """The latest training jobs with their outcome, and Cancel for those queued or running."""
    recent = jobs.recent(store())
    if not recent:
        return
    st.subheader("Training jobs")
    st.caption("The worker runs one job at a time, in the background: leaving this page or closing the tab does "
               f"not stop it. After a training it exports the new version to ONNX, then evaluates it in full "
               f"({N_SEEDS} seeds, and folds, ablations or other datasets where a kind has them). A failed job keeps "
               "its reason; train the kind again to retry it.")
    data_table(pd.DataFrame([{"kind": j.kind, "task": jobs.TASKS[j.task], "state": j.state, "progress": j.fraction,
                              "outcome": j.message,
                              "requested_by": j.requested_by or "", "queued_at": j.queued_at,
                              "ended_at": j.ended_at} for j in recent]),
               column_config={"kind": "Kind", "task": "Task", "state": "State", "outcome": "Outcome",
                              "progress": C.ProgressColumn("Progress", min_value=0.0, max_value=1.0, format="percent"),
                              "requested_by": "Asked by",
                              "queued_at": C.DatetimeColumn("Queued", format="YYYY-MM-DD HH:mm"),
                              "ended_at": C.DatetimeColumn("Ended", format="YYYY-MM-DD HH:mm")})
    for job in (j for j in recent if j.active and is_admin()):
        if st.button(f"Cancel {job.kind} ({jobs.TASKS[job.task]})", icon=":material/cancel:",
                     key=f"cancel_{job.job_id}"):
            jobs.cancel(store(), job.job_id)
            st.rerun()


st.title("Models")
st.write("Every model is trained here, on this database, and evaluated on held-out data (each athlete's "
         "latest sessions) side by side with simple baselines. A model that does not beat its best baseline "
         "is still listed, marked ≈ or ✗.")


summary = read(registry.summary)
missing = [k for k in KINDS if k not in set(summary["kind"])]
latest_jobs = jobs.latest(store())
if not is_admin():
    st.caption("Models are shared by every team and learn from all of them: an admin of this dashboard trains them.")
for kind in missing:
    job = latest_jobs.get(kind)
    if job is not None and job.active:
        st.info(f"No **{kind}** model yet: {job.line(clock.now())} (progress in the sidebar).",
                icon=":material/model_training:")
        continue
    st.info(f"No **{kind}** model has been trained on this database yet.", icon=":material/model_training:")
    if is_admin() and st.button(f"Train {kind}", type="primary", key=f"train_{kind}"):
        queue_training(kind)

if summary.empty:
    jobs_section()
    share_link()
    st.stop()

def _cell(value: float, sd: float) -> str:
    return f"{value:.3f}" + ("" if pd.isna(sd) else f" ± {sd:.3f}")


table = summary.assign(model_cell=[_cell(v, sd) for v, sd in zip(summary["model_value"], summary["model_sd"])],
                       baseline_cell=[_cell(v, sd) for v, sd in zip(summary["baseline_value"], summary["baseline_sd"])])
picked = data_table(
    table, on_select="rerun", selection_mode="single-row", key="registry_table",
    column_order=["kind", "version", "trained_at", "headline_metric", "best_model", "model_cell", "best_baseline",
                  "baseline_cell", "n_runs", "verdict", "data_fingerprint"],
    column_config={
        "kind": "Kind", "version": C.NumberColumn("Version", format="v%d"),
        "trained_at": C.DatetimeColumn("Trained", format="YYYY-MM-DD HH:mm"),
        "headline_metric": C.TextColumn("Metric", help="The metric compared, on this database's held-out split"),
        "best_model": "Best model", "model_cell": C.TextColumn("Its value", help="mean ± SD over the runs"),
        "best_baseline": "Best baseline",
        "baseline_cell": C.TextColumn("Baseline value", help="mean ± SD over the runs"),
        "n_runs": C.NumberColumn("Runs", help=f"Trainings with different seeds: 1 until the full evaluation has run, "
                                              f"then {N_SEEDS}"),
        "verdict": C.TextColumn("Beats it", help=VERDICT_HELP),
        "data_fingerprint": C.TextColumn("Data", help="Hash of the training rows: same data, same fingerprint"),
    })
st.caption("Select a row for its full evaluation.")
row = summary.iloc[picked.selection.rows[0] if picked.selection.rows else 0]
card = read(registry.card, row["kind"], int(row["version"]))

st.subheader(f"{row['kind']} v{row['version']}")
st.caption(card.description)
if card.full is None:
    pending = jobs.latest(store(), "evaluate").get(card.kind)
    more = ", folds, ablations, other datasets" if trainer(card.kind).FULL else ""
    what = f"The figures of the full evaluation ({N_SEEDS} seeds{more})"
    st.info(f"{what} are still being computed ({pending.status(clock.now())})." if pending is not None and
            pending.active else f"{what} have not been computed for this version: an admin can queue them by "
                                "retraining, or run `python -m engine evaluate KIND --full`.",
            icon=":material/hourglass_top:")
metrics = pd.DataFrame([asdict(r) for r in card.results()])
named = [*card.models, *card.baselines]
for dataset, part in metrics.groupby("dataset", sort=False):
    st.markdown(f"**Dataset `{dataset}`**" + (" (this database's held-out split)" if dataset == "db" else ""))
    order = named + [m for m in part["model"].unique() if m not in named]
    spread = part["sd"].notna().all()     # folds or seeds: mean ± SD over n_runs
    cells = part.assign(cell=[_cell(v, sd) for v, sd in zip(part["value"], part["sd"])]) if spread else part
    wide = cells.pivot(index="model", columns="metric", values="cell" if spread else "value").reindex(order)
    runs = int(part["n_runs"].max())
    data_table(wide.reset_index(), column_config={
        "model": C.TextColumn("Model", help="Baselines: " + ", ".join(card.baselines)),
        **{m: C.TextColumn(m, help=f"mean ± SD over {runs} runs") if spread else C.NumberColumn(m, format="%.3f")
           for m in wide.columns}})
st.caption(card.reading)
if "confusion" in card.details:
    chosen = st.segmented_control("Confusion matrix of", named, default=card.models[0],
                                  key="confusion_model") or card.models[0]
    st.plotly_chart(figures.confusion_chart(card.details["confusion"][chosen], card.outputs["classes"],
                                            f"{chosen} on this database's held-out split"), width="stretch")

if is_admin() and st.button(f"Retrain {row['kind']}", icon=":material/refresh:",
                            help="Train a new version on the current data, in the background; earlier versions stay"):
    queue_training(row["kind"])

st.subheader("ONNX export")
exported = registry.exports(store(), card.kind, card.version)
export_job = jobs.latest(store(), "export").get(card.kind)
for e in exported:
    st.write(f"**{e.model}.onnx**: {parity_text(e.parity)}")
    cols = st.columns(2)
    cols[0].download_button(f"Download {e.model}.onnx", e.onnx_path.read_bytes,     # read on the click
                            file_name=f"{card.kind}-v{card.version}-{e.model}.onnx", key=f"dl_{e.model}")
    cols[1].download_button(f"Download {e.model}.parity.json", json.dumps(e.parity),
                            file_name=f"{card.kind}-v{card.version}-{e.model}.parity.json", key=f"dl_parity_{e.model}")
if not exported:
    latest_version = int(summary.loc[summary["kind"] == card.kind, "version"].max())
    if export_job is not None and export_job.active and card.version == latest_version:
        st.info(f"Being exported in the background: {export_job.status(clock.now())}.", icon=":material/hourglass_top:")
    else:
        if export_job is not None and export_job.state == "failed":
            st.warning(f"The last ONNX export failed: {export_job.message}", icon=":material/error:")
        st.caption(f"Each new version is exported after its training, and each export is checked in onnxruntime "
                   f"against the model on held-out inputs (max |diff| <= {MAX_ABS_DIFF:g}).")
        if is_admin() and card.version == latest_version and st.button(
                "Export to ONNX", icon=":material/download:", help="Export this version in the background"):
            queue_training(card.kind, task="export")
jobs_section()
share_link()
