"""Contribute (editors only): upload observations, preview what they change, publish."""

import streamlit as st

from shelfwatch.ui import context

view = context.current()
st.caption("Upload observations, see what they would change, and publish them as a new version.")
