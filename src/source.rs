//! Reads a source-git repository with gix into a snapshot.
