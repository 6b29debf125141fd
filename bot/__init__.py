"""hotline NLU and dialogue: text normalisation, the Rasa-style pipeline, and the dialogue policy."""
