import { Inject } from '@nestjs/common';

export const PRISMA = Symbol('PRISMA');
export const REDIS = Symbol('REDIS');
export const KEYS = Symbol('KEYS');
export const CIPHER = Symbol('CIPHER');
export const DATA_PLANE_KEY = Symbol('DATA_PLANE_KEY');

export const InjectPrisma = (): ParameterDecorator => Inject(PRISMA);
export const InjectRedis = (): ParameterDecorator => Inject(REDIS);
export const InjectKeys = (): ParameterDecorator => Inject(KEYS);
export const InjectCipher = (): ParameterDecorator => Inject(CIPHER);
