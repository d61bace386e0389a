# The gpunet image: one static binary and nothing else. No registry is
# reachable where gpunet is built, so the binary is compiled on the host
# (`make image` does both steps) and copied into an empty image.
FROM scratch
COPY bin/gpunet-static /gpunet
# Keys and chain data live in the volume, never in the image.
ENV GPUNET_HOME=/data
VOLUME ["/data"]
USER 65532:65532
ENTRYPOINT ["/gpunet"]
CMD ["--help"]
