//! The pure core: a source snapshot in, a dist-git tree out.
pub mod series;
