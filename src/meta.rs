//! Packit patch metadata: commit trailers and the older YAML keys in commit messages.
