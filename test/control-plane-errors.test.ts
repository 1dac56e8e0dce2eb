import { describe, expect, it } from '@jest/globals';
import { ConnectionError, InvalidArgumentError, toControlPlaneError } from '../app/control-plane/errors.js';

describe('control plane errors', () => {
  it('classes a lost session as a ConnectionError, whichever way the driver reports it', () => {
    const terminated = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    expect(toControlPlaneError(terminated, 'enqueue_run')).toBeInstanceOf(ConnectionError);
    expect(toControlPlaneError(new Error('Connection terminated unexpectedly'))).toBeInstanceOf(ConnectionError);
    expect(toControlPlaneError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toBeInstanceOf(ConnectionError);
    expect(toControlPlaneError(Object.assign(new Error('the database system is starting up'), { code: '57P03' }))).toBeInstanceOf(ConnectionError);
  });

  it('keeps other errors in their own classes', () => {
    expect(toControlPlaneError(Object.assign(new Error('payload: must be a JSON object'), { code: '22023' }))).toBeInstanceOf(InvalidArgumentError);
    expect(toControlPlaneError(Object.assign(new Error('canceling statement due to user request'), { code: '57014' }))).not.toBeInstanceOf(ConnectionError);
    expect(toControlPlaneError(new Error('something else'))).not.toBeInstanceOf(ConnectionError);
  });
});
