//! Writes a rendered tree to a directory, or diffs it against one.
