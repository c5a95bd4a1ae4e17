//! The one module that runs `git`.
