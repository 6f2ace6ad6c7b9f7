"""Streamlit helpers shared by the pages: the only part of shelfwatch that imports streamlit."""
