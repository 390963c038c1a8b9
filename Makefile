# codelab-sandbox: `make run` starts the service, `make test` runs the tests against real sandboxes.
# Both install runsc and debootstrap when missing and build the Python image when its recipe changed.
SHELL := /bin/bash
MVN ?= mvn -B
PORT ?= 8080
MANAGEMENT_PORT ?= 9000
ROOTFS = $(shell runsc/python-rootfs.sh)

.PHONY: setup rootfs build run test test-fast test-runner test-cgroup2 k8s image image-native native-sources deploy bench bench-monitoring clean

setup:
	@runsc/install-runsc.sh

# The Python sandbox root filesystem (debootstrap; cached by the hash of its recipe).
rootfs: setup
	@runsc/python-rootfs.sh

build:
	$(MVN) -q package -DskipTests

# Open to anyone who can reach it (no API keys), which the packaged service refuses unless told so;
# /q/health, /q/metrics and /q/openapi are on the management port.
run: rootfs build
	CODELAB_PYTHON_ROOTFS=$(ROOTFS) java -Dquarkus.http.port=$(PORT) -Dquarkus.management.port=$(MANAGEMENT_PORT) \
	  -Dcodelab.admission.open=true -jar target/quarkus-app/quarkus-run.jar

# Unit and @QuarkusTest suites against real runsc sandboxes, the runner's own suite, the manifests, the
# cgroup v2 suite, and the container image under a real Docker engine (ContainerImageTest; the image is
# built first by `image`), and the operator's alerts and dashboard against the packaged service (`monitoring`).
test: rootfs k8s test-runner test-cgroup2 native-sources image monitoring
	CODELAB_PYTHON_ROOTFS=$(ROOTFS) $(MVN) test -Dcodelab.image.build=false

# The runner's suite (runsc/tests): rules, frames, the supervisor's loop, a seeded fuzzer of every
# channel, and the protocol's transcripts replayed against real runsc sandboxes.
test-runner: rootfs
	CODELAB_PYTHON_ROOTFS=$(ROOTFS) python3 -m unittest discover -s runsc/tests -t runsc

# A developer's loop, under a minute: the runner's suite and every Java test that starts no sandbox
# (the pipeline on a scripted kernel, the session machine, admission, the rules); no image is built.
# The classes are named, not filtered by tag: merely discovering the @QuarkusTest classes builds
# Quarkus's test application (~45 s here).
FAST_TESTS = $(shell grep -L -E '@Tag\("(sandbox|image)"\)' -r src/test/java --include='*Test.java' \
	| xargs -n1 basename | sed 's/\.java$$//' | paste -sd, -)
test-fast:
	python3 -m unittest discover -s runsc/tests -t runsc
	$(MVN) -q test -Dtest='$(FAST_TESTS)'

# The service in a throw-away qemu guest whose kernel has cgroup v2 only, driven over HTTP from here
# (cgroup2/test.sh; the guest is built once and cached). This machine's own cgroups are not touched.
test-cgroup2: rootfs build
	cgroup2/test.sh

# Container image codelab-sandbox:latest from local images only (deploy/README.md says how to run it).
image: rootfs
	deploy/build-image.sh

# The native build's first half, which needs no GraalVM (deploy/native-sources.sh): Quarkus's native build
# steps and the native-image arguments, the native profile's among them. Part of `make test`.
native-sources:
	deploy/native-sources.sh

# Needs a local builder image with Mandrel/GraalVM and Maven: make image-native BUILDER_IMAGE=...
image-native:
	BUILDER_IMAGE=$(BUILDER_IMAGE) deploy/build-image.sh --native

# Renders the kustomize base and overlays and validates every object against the Kubernetes schemas, offline.
k8s:
	k8s/validate.sh

# The operator's view (k8s/monitoring, docs/operations.md): promtool checks and unit-tests the alerting rules,
# then the packaged service does runs of every status under a Prometheus (Debian's, installed when missing) that
# scrapes it every second with the rules loaded, and every query of the Grafana dashboard must return data.
.PHONY: monitoring
monitoring: rootfs build
	@[ -x /usr/bin/python3 ] || apt-get install -y -q python3
	CODELAB_PYTHON_ROOTFS=$(ROOTFS) /usr/bin/python3 k8s/monitoring/check.py

# Applies the production overlay to the cluster of the current kubectl context.
deploy: k8s
	kubectl apply -k k8s/overlays/production

# The service (warm pool), the service with an empty pool, and the unsafe subprocess executor it
# replaces, side by side on loopback; prints a Markdown table of ratios.
bench: rootfs build
	bench/run.sh $(ROOTFS)

# What runtime monitoring costs: the service watching its sandboxes and not, same cells, interleaved.
bench-monitoring: rootfs build
	bench/monitoring.sh $(ROOTFS)

clean:
	$(MVN) -q clean
