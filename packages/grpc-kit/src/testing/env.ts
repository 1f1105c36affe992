/** The grpcurl binary tests run: `GRPCURL` when set (the bootstrap's tools cache), else PATH. */
export function grpcurlBinary(): string {
  const configured = process.env.GRPCURL;
  return configured === undefined || configured === '' ? 'grpcurl' : configured;
}
