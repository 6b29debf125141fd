"""Knowledge-base import, sync with nlu_data/, lint and export."""
