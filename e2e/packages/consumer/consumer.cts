// The CommonJS side of the declarations (`.d.cts`), resolved through the `require` condition.
import { SwitchboardClient } from '@switchboard/client';
import { GrpcServerClient } from '@switchboard/server-sdk';

export const make = (url: string): SwitchboardClient => new SwitchboardClient({ url, token: 't' });
export const api = (url: string): GrpcServerClient => new GrpcServerClient({ url });
