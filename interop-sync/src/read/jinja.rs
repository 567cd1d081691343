//! Static scanning of Jinja in SQL and markdown (being written; see the helper's task).
