# codelab-sandbox: `make run` starts the service, `make test` runs the tests against real sandboxes.
# Both install runsc and debootstrap when missing and build the Python image when its recipe changed.
SHELL := /bin/bash
MVN ?= mvn -B
PORT ?= 8080
IMAGE = $(shell runsc/python-rootfs.sh)

.PHONY: setup image build run test bench clean

setup:
	@runsc/install-runsc.sh

image: setup
	@runsc/python-rootfs.sh

build:
	$(MVN) -q package -DskipTests

run: image build
	CODELAB_PYTHON_ROOTFS=$(IMAGE) java -Dquarkus.http.port=$(PORT) -jar target/quarkus-app/quarkus-run.jar

test: image
	CODELAB_PYTHON_ROOTFS=$(IMAGE) $(MVN) test

# The service (warm pool), the service with an empty pool, and the unsafe subprocess executor it
# replaces, side by side on loopback; prints a Markdown table of ratios.
bench: image build
	bench/run.sh $(IMAGE)

clean:
	$(MVN) -q clean
