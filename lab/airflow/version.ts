/** The Apache Airflow release the lab runs; must match the exact pin in requirements.in. */
export const AIRFLOW_VERSION = '3.3.2';
/** uv, installed into a bootstrap venv only to install the locked requirements quickly. */
export const UV_VERSION = '0.13.9';
