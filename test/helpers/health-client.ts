import { credentials, loadPackageDefinition, type Client, type ClientReadableStream, type GrpcObject, type ServiceClientConstructor, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { protoPath } from 'grpc-health-check';

type Status = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';

interface HealthStub {
  Check(request: { service: string }, callback: (error: ServiceError | null, response: { status: Status }) => void): void;
  Watch(request: { service: string }): ClientReadableStream<{ status: Status }>;
}

/** grpc.health.v1.Health, as a probe (grpc-health-probe, Kubernetes) would call it. */
export class HealthClient {
  private readonly client: Client & HealthStub;

  constructor(address: string) {
    const definition = loadSync(protoPath, { keepCase: true, enums: String, defaults: true });
    const health = (((loadPackageDefinition(definition).grpc as GrpcObject).health as GrpcObject).v1 as GrpcObject).Health as ServiceClientConstructor;
    this.client = new health(address, credentials.createInsecure()) as unknown as Client & HealthStub;
  }

  /** The status of one service name ('' for the whole server). */
  check(service: string): Promise<Status> {
    return new Promise((resolve, reject) => this.client.Check({ service }, (error, response) => (error ? reject(error) : resolve(response.status))));
  }

  /** Resolves when the service reports `wanted`: Watch streams every change, so no polling. */
  waitFor(service: string, wanted: Status): Promise<void> {
    const stream = this.client.Watch({ service });
    return new Promise((resolve, reject) => {
      stream.on('data', ({ status }: { status: Status }) => {
        if (status !== wanted) return;
        stream.cancel();
        resolve();
      });
      stream.on('error', (error: ServiceError) => {
        if (error.code !== 1) reject(error); // 1: CANCELLED, our own cancel above
      });
    });
  }

  close(): void {
    this.client.close();
  }
}
