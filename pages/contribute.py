"""Contribute (editors only): upload a file or type one observation, see what it would change,
publish it with a note; retract an observation. Every change runs the command line's own
validation and publish in a process of its own (shelfwatch.publishing)."""

import datetime as dt

import pandas as pd
import streamlit as st

from shelfwatch import headline, ingest, publishing, urlstate, vocab
from shelfwatch.ui import auth, changes, context

ROLE_LABELS = {
    "observations": "Observations (CSV or Parquet)",
    "retailers": "Retailers",
    "brands": "Brands",
    "companies": "Companies",
    "ownership": "Ownership claims",
    "designations": "Designations",
    "events": "Events",
}
PROBLEM_COLUMNS = {"file": "File", "line": "Line", "column": "Column", "message": "What is wrong"}

view = context.current()
# app.py registers this page for a signed-in editor only; every change below asks again.
editor = auth.current_editor()
if editor is None:
    st.warning("Sign in as an editor to contribute.")
    context.stop()
st.caption(
    f"Signed in as {urlstate.data_markdown(editor.label)}. Add to the data: each file or "
    "observation is checked exactly as `python -m shelfwatch ingest` checks it, you see what "
    "it would change, and it is published as a new version with your name and a note. "
    "Published versions never change; a mistake is corrected by a retraction, which is "
    "itself a version."
)


def _problems(outcome: publishing.Outcome) -> None:
    listed = len(outcome.problems)
    more = f"; the first {listed:,} are listed" if outcome.total_problems > listed else ""
    st.error(
        f"{outcome.total_problems:,} problem(s) in the file{more}. Nothing was published and "
        "the file was not kept: fix it and upload it again."
    )
    st.dataframe(
        pd.DataFrame(list(outcome.problems), columns=list(PROBLEM_COLUMNS)),
        hide_index=True,
        column_config={
            **PROBLEM_COLUMNS,
            "line": st.column_config.NumberColumn("Line", format="%d"),
            "message": st.column_config.TextColumn("What is wrong", width="large"),
        },
        key="contribute_problems",
    )


def _said(outcome: publishing.Outcome) -> bool:
    """Say a busy store or a failure; True when the outcome was one of those."""
    if outcome.kind == "busy":
        st.warning(
            "Someone is publishing a version right now. Wait a moment and press the button "
            "again: your file and your note are kept."
        )
        return True
    if outcome.kind == "moved":
        st.warning(
            "Someone published a new version after your preview: the preview below is against "
            "it now. Check it and press Publish again."
        )
        return False
    if outcome.kind == "failed":
        # Text from another process (DuckDB, the system): shown as written, never as markup.
        st.error(f"Nothing was published: {urlstate.data_markdown(outcome.message)}")
        return True
    return False


# Buttons act in callbacks: a callback runs before the script, so a click is never lost to a
# rerun the frame starts, and the role is checked on the server right there.
def _publish(state: str, store_dir) -> None:
    pending = st.session_state.get(state) or {}
    upload, shown = pending.get("upload"), pending.get("outcome")
    if upload is None or shown is None or shown.diff is None:
        return  # a second click while the first published it, or nothing previewed
    try:
        who = auth.require_editor()
        note = publishing.checked_note(st.session_state.get(f"{state}_note", ""))
    except (auth.NotAnEditor, publishing.UploadRefused) as exc:
        pending["said"] = str(exc)
        return
    done = publishing.publish(
        store_dir, upload, editor=who.label, note=note, previewed=shown.diff.old
    )
    if done.kind == "published":
        st.session_state[state] = {
            "file_id": pending.get("file_id"),
            "published": done.version,
            "name": upload.original_name,
        }
        st.session_state.pop(f"{state}_note", None)  # the next file gets a note of its own
    elif done.kind == "rejected":
        pending["outcome"] = done
    elif done.kind == "moved":
        pending["outcome"] = None  # previewed again, against the new version
        pending["attempt"] = done
    else:
        pending["attempt"] = done


def _check_again(state: str) -> None:
    (st.session_state.get(state) or {})["outcome"] = None


def _pending_upload(state: str, upload: publishing.Upload) -> None:
    """Preview the waiting upload (once), then offer to publish it with a note."""
    pending = st.session_state[state]
    if attempt := pending.pop("attempt", None):
        _said(attempt)
    if pending.get("outcome") is None:
        with st.spinner("Checking the file and drafting the next version…"):
            pending["outcome"] = publishing.preview(view.store_dir, upload)
    outcome = pending["outcome"]
    if outcome.kind == "rejected":
        _problems(outcome)
        return
    if _said(outcome):
        # Previewed again only when asked: a rerun must not take the writer lock again.
        st.button("Check again", key=f"{state}_again", on_click=_check_again, args=(state,))
        return
    st.subheader("Preview: what publishing it would change")
    st.caption(
        f"Against data version {outcome.diff.old}, as of today "
        f"({headline.day_text(dt.date.today())}). "
        "Nothing is published until you press Publish."
    )
    changes.show_diff(outcome.diff, key=f"{state}_preview")
    st.text_input(
        "Note (required): what this version adds and why",
        max_chars=publishing.MAX_NOTE,
        key=f"{state}_note",
        placeholder="e.g. Checked Costco's site: Lorex cameras no longer listed",
    )
    st.button(
        "Publish",
        type="primary",
        key=f"{state}_publish",
        on_click=_publish,
        args=(state, view.store_dir),
    )
    if said := pending.pop("said", None):
        st.error(urlstate.data_markdown(said))


def _published(state: str) -> bool:
    pending = st.session_state.get(state) or {}
    if "published" not in pending:
        return False
    st.success(
        f"Published {pending['name']} as data version {pending['published']}. Every reader "
        "sees it on their next click; the Data & method page lists it with your note."
    )
    return True


def _forget(state: str) -> None:
    """Drop a waiting upload: its file leaves the store's temp area at once."""
    pending = st.session_state.pop(state, None) or {}
    if "upload" in pending:
        pending["upload"].discard()


def _check_form(state: str, store_dir) -> None:
    fields = {
        column: st.session_state.get(f"form_{column}") for column in ingest.COLUMNS["observations"]
    }
    fields["reported_on"] = dt.date.today()
    _forget(state)
    try:
        auth.require_editor()
        st.session_state[state] = {"upload": publishing.form_upload(store_dir, fields)}
    except (auth.NotAnEditor, publishing.UploadRefused) as exc:
        st.session_state[state] = {"refused": str(exc)}


def _retract(store_dir, preview: bool) -> None:
    obs_id = st.session_state.get("retract_obs")
    reason = " ".join(st.session_state.get("retract_reason", "").split())
    try:
        who = auth.require_editor()
    except auth.NotAnEditor as exc:
        st.session_state["retract_outcome"] = (None, publishing.Outcome("failed", str(exc)))
        return
    if preview:
        outcome = publishing.preview_retraction(store_dir, [obs_id], reason)
    else:
        outcome = publishing.retract(store_dir, [obs_id], reason, editor=who.label)
        if outcome.kind == "published":
            st.session_state.pop("retract_reason", None)  # the next one needs its own reason
    # What the outcome is about: a preview counts only for the observation and reason it shows.
    st.session_state["retract_outcome"] = ((obs_id, reason), outcome)


upload_tab, form_tab, retract_tab = st.tabs(
    ["Upload a file", "One observation", "Retract an observation"]
)

# --- Upload a file ---------------------------------------------------------------------------
with upload_tab:
    role = st.selectbox(
        "The file holds",
        ingest.INGEST_ROLES,
        index=ingest.INGEST_ROLES.index("observations"),
        format_func=ROLE_LABELS.get,
        key="contribute_role",
    )
    required = set(ingest.REQUIRED_COLUMNS.get(role, ()))
    st.caption(
        "Columns (header row; * required): "
        + ", ".join(f"{c}{'*' if c in required else ''}" for c in ingest.COLUMNS[role])
        + f". At most {publishing.MAX_UPLOAD_BYTES // 1024 // 1024} MB."
    )
    uploaded = st.file_uploader(
        "File",
        type=["csv", "parquet"] if role == "observations" else ["csv"],
        key="contribute_file",
    )
    state = "contribute_upload"
    if uploaded is None:
        _forget(state)
    elif (st.session_state.get(state) or {}).get("file_id") != (uploaded.file_id, role):
        _forget(state)  # another file, or the same read as another role
        try:
            saved = publishing.save_upload(view.store_dir, uploaded.name, uploaded.getvalue(), role)
        except publishing.UploadRefused as exc:
            st.session_state[state] = {"file_id": (uploaded.file_id, role), "refused": str(exc)}
        else:
            st.session_state[state] = {"file_id": (uploaded.file_id, role), "upload": saved}
    pending = st.session_state.get(state) or {}
    if "refused" in pending:
        st.error(pending["refused"])
    elif not _published(state) and "upload" in pending:
        _pending_upload(state, pending["upload"])
    elif uploaded is None:
        st.caption("Choose a file to see what it would change before anything is published.")

# --- One observation -------------------------------------------------------------------------
with form_tab:
    state = "contribute_form"
    retailers = sorted(view.retailer_names, key=lambda r: view.retailer_names[r].lower())
    brands = sorted(view.brand_names, key=lambda b: view.brand_names[b].lower())
    with st.form("one_observation", border=True):
        left, right = st.columns(2)
        left.selectbox(
            "Retailer", retailers, format_func=view.retailer_names.get, key="form_retailer_id"
        )
        right.selectbox("Brand", brands, format_func=view.brand_names.get, key="form_brand_id")
        left.selectbox(
            "Status", vocab.STATUS_NAMES, format_func=vocab.status_label, key="form_status"
        )
        right.date_input(
            "Date observed",
            value=dt.date.today(),
            max_value=dt.date.today(),
            key="form_effective_on",
        )
        st.text_input("Source URL", placeholder="https://…", key="form_source_url")
        st.text_area("Quote from the source", height=80, key="form_quote")
        left.selectbox(
            "Kind of source",
            vocab.SOURCE_KIND_NAMES,
            index=vocab.SOURCE_KIND_NAMES.index("listing_check"),
            key="form_source_kind",
        )
        right.selectbox(
            "Confidence",
            vocab.CONFIDENCE_NAMES,
            index=vocab.CONFIDENCE_NAMES.index(vocab.DEFAULT_CONFIDENCE),
            key="form_confidence",
        )
        left.selectbox("Channel", vocab.CHANNELS, key="form_channel")
        st.text_input("Archive copy URL (optional)", key="form_archive_url")
        st.text_input("Research note (optional)", key="form_note")
        st.form_submit_button(
            "Check and preview", on_click=_check_form, args=(state, view.store_dir)
        )
    pending = st.session_state.get(state) or {}
    if "refused" in pending:
        st.error(pending["refused"])
    elif not _published(state) and "upload" in pending:
        _pending_upload(state, pending["upload"])

# --- Retract an observation ------------------------------------------------------------------
with retract_tab:
    st.caption(
        "A retraction is published as a new version with its reason. The observation is never "
        "deleted: evidence tables show it struck through with the reason, and the status rule "
        "ignores it from that version on."
    )
    left, right = st.columns(2)
    retailer = left.selectbox(
        "Retailer", retailers, format_func=view.retailer_names.get, key="retract_retailer"
    )
    brand = right.selectbox("Brand", brands, format_func=view.brand_names.get, key="retract_brand")
    evidence = view.query("evidence_for_pair", retailer=retailer, brand=brand)
    standing = evidence[evidence["retracted_in"].isna()]
    if standing.empty:
        st.info("This pair has no observation that could be retracted.")
    else:
        labels = {
            int(row.obs_id): (
                f"#{int(row.obs_id)} · {row.effective_on:%Y-%m-%d} · "
                f"{vocab.status_label(row.status)} · {row.source_kind} · {row.source_url}"
            )
            for row in standing.itertuples()
        }
        obs_id = st.selectbox(
            "Observation", list(labels), format_func=labels.get, key="retract_obs"
        )
        reason = st.text_input(
            "Reason (required): what was wrong", max_chars=500, key="retract_reason"
        )
        preview_cell, retract_cell = st.columns(2)
        about, shown = st.session_state.get("retract_outcome") or (None, None)
        chosen = (obs_id, " ".join((reason or "").split()))
        previewed = shown is not None and shown.kind == "preview" and about == chosen
        preview_cell.button(
            "Preview the retraction",
            key="retract_preview",
            on_click=_retract,
            args=(view.store_dir, True),
        )
        retract_cell.button(
            "Retract",
            type="primary",
            key="retract_publish",
            on_click=_retract,
            args=(view.store_dir, False),
            disabled=not previewed,
            help="Preview this observation's retraction, with its reason, first.",
        )
        if shown is not None and not _said(shown):
            if shown.kind == "published":
                st.success(f"Retracted #{about[0]} in data version {shown.version}.")
            elif previewed:
                st.markdown("**Preview: what the retraction would change**")
                changes.show_diff(shown.diff, key="retract_diff")
