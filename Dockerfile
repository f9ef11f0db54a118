# kennisbank as Common Ground apps ship: a multi-stage image on the official slim Python image, running as
# uid 1000 with no compilers, every setting from KENNISBANK_* environment variables, `kb serve` as the
# command and `kb migrate` as a separate step (see README.md, "Running in production").

FROM python:3.11-slim AS build
WORKDIR /src
RUN python -m venv /opt/kennisbank
COPY pyproject.toml README.md LICENSE ./
COPY kennisbank ./kennisbank
# Only the dependencies live in the virtual environment; the app runs from /app, next to its templates,
# migrations and content (the package finds them beside itself).
RUN /opt/kennisbank/bin/pip install --no-cache-dir --upgrade pip \
    && /opt/kennisbank/bin/pip install --no-cache-dir . \
    && /opt/kennisbank/bin/pip uninstall --yes kennisbank

FROM python:3.11-slim
ENV PATH=/opt/kennisbank/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONUNBUFFERED=1 \
    KENNISBANK_ENV=production \
    KENNISBANK_INSTANCE_DIR=/data \
    KENNISBANK_INDEX_DIR=/data/index \
    KENNISBANK_CONTENT_DIR=/app/content \
    KENNISBANK_SEARCH_SYNC=worker \
    FLASK_APP=wsgi
RUN useradd --uid 1000 --home-dir /app --no-create-home --shell /usr/sbin/nologin kennisbank \
    && mkdir -p /app /data && chown 1000:1000 /data
WORKDIR /app
COPY --from=build /opt/kennisbank /opt/kennisbank
COPY wsgi.py ./
COPY kennisbank ./kennisbank
COPY templates ./templates
COPY migrations ./migrations
COPY content ./content
USER 1000
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "/app/kennisbank/ops/healthcheck.py"]
CMD ["flask", "kb", "serve"]
