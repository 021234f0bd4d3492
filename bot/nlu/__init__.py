"""Understanding a text: normalise -> compliance keywords -> intent -> slots."""
