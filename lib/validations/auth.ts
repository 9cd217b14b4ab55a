/**
 * Form schemas for the account pages, shared by the forms' server actions. Messages are written for people.
 * Password rules beyond length (the common-password list) are checked by lib/auth/password.ts.
 */
import { z } from 'zod';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '@/lib/auth/password-limits';

const email = z
  .string({ error: 'Enter your email address.' })
  .trim()
  .min(1, 'Enter your email address.')
  .max(254, 'This email address is too long.')
  .pipe(z.email('Enter a valid email address, like name@example.com.'));

const newPassword = z
  .string({ error: 'Enter a password.' })
  .min(PASSWORD_MIN_LENGTH, `Use at least ${PASSWORD_MIN_LENGTH} characters.`)
  .max(PASSWORD_MAX_LENGTH, `Use at most ${PASSWORD_MAX_LENGTH} characters.`);

const name = z.string({ error: 'Enter your name.' }).trim().min(1, 'Enter your name.').max(100, 'Use at most 100 characters.');

/** /login */
export const signInSchema = z.object({
  email,
  password: z.string({ error: 'Enter your password.' }).min(1, 'Enter your password.').max(PASSWORD_MAX_LENGTH, `Passwords are at most ${PASSWORD_MAX_LENGTH} characters.`),
  next: z.string().optional(),
});

/** /register */
export const registerSchema = z
  .object({ name, email, password: newPassword, confirmPassword: z.string().optional().default(''), invite: z.string().max(200).optional() })
  .refine((v) => v.password === v.confirmPassword, { path: ['confirmPassword'], message: 'The passwords do not match.' });

/** /forgot-password */
export const forgotPasswordSchema = z.object({ email });

/** /verify-otp */
export const verifyCodeSchema = z.object({
  code: z
    .string({ error: 'Enter the 6-digit code from the email.' })
    .transform((v) => v.replace(/\s+/g, ''))
    .pipe(z.string().regex(/^\d{6}$/, 'Enter the 6-digit code from the email.')),
});

/** /reset-password */
export const resetPasswordSchema = z
  .object({ newPassword, confirmPassword: z.string().optional().default('') })
  .refine((v) => v.newPassword === v.confirmPassword, { path: ['confirmPassword'], message: 'The passwords do not match.' });

/** Settings: change password */
export const changePasswordSchema = z
  .object({
    currentPassword: z.string({ error: 'Enter your current password.' }).min(1, 'Enter your current password.').max(PASSWORD_MAX_LENGTH),
    newPassword,
    confirmPassword: z.string().optional().default(''),
  })
  .refine((v) => v.newPassword === v.confirmPassword, { path: ['confirmPassword'], message: 'The passwords do not match.' });

/** Settings: change name */
export const changeNameSchema = z.object({ name });

/** Settings: second factor on/off */
export const secondFactorSchema = z.object({ enabled: z.enum(['on', 'off']) });

/** Forms with no fields (sign out of other sessions, create invitation). */
export const emptySchema = z.object({});

/** Admin: disable or enable a user */
export const setUserDisabledSchema = z.object({ userId: z.uuid('Unknown user.'), disabled: z.enum(['true', 'false']) });

/** Admin: open or close registration */
export const registrationSchema = z.object({ open: z.enum(['true', 'false']) });
